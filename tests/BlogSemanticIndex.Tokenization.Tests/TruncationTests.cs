namespace BlogSemanticIndex.Tokenization.Tests;

public class TruncationTests
{
    private static readonly string LongText = string.Join(" ", Enumerable.Repeat("The quick brown fox jumps over the lazy dog.", 100));

    [Fact]
    public void Truncation_KeepsClsAndSep_AndThePrefixOfTheFullEncoding()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();
        var full = tokenizer.Encode(LongText, 512);

        var cut = tokenizer.Encode(LongText, 10);

        Assert.True(cut.Truncated);
        Assert.Equal(10, cut.Ids.Length);
        Assert.Equal(tokenizer.ClsId, cut.Ids[0]);
        Assert.Equal(tokenizer.SepId, cut.Ids[^1]);
        Assert.Equal(full.Ids[..9], cut.Ids[..9]);
        Assert.Equal(full.Offsets[..9], cut.Offsets[..9]);
        Assert.Equal((0, 0), cut.Offsets[^1]);
    }

    [Fact]
    public void Encode_ExactFit_IsNotTruncated()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();
        const string text = "hello world";
        var count = tokenizer.CountTokens(text);

        var exact = tokenizer.Encode(text, count + 2);
        var oneShort = tokenizer.Encode(text, count + 1);

        Assert.False(exact.Truncated);
        Assert.Equal(count + 2, exact.Ids.Length);
        Assert.True(oneShort.Truncated);
        Assert.Equal(count + 1, oneShort.Ids.Length);
    }

    [Fact]
    public void Encode_LimitAboveModelMaximum_IsLoweredToIt()
    {
        var tokenizer = WordPieceTokenizer.FromVocabulary(ReferenceTokenizers.MiniLm, new BertTokenizerOptions { MaxLength = 128 });

        var encoded = tokenizer.Encode(LongText, 100_000);

        Assert.Equal(128, encoded.Ids.Length);
        Assert.True(encoded.Truncated);
    }

    [Fact]
    public void CountTokens_IgnoresTheLimit_AndExcludesSpecials()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();

        Assert.Equal(1_000, tokenizer.CountTokens(LongText));
        Assert.Equal(0, tokenizer.CountTokens(" \t\u0000 "));
    }

    [Fact]
    public void Encode_EmptyText_IsClsSep()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();

        var encoded = tokenizer.Encode("", 2);

        Assert.Equal([tokenizer.ClsId, tokenizer.SepId], encoded.Ids);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void Encode_LimitBelowTwo_IsRejected()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("x", 1));

        Assert.Contains("[CLS] and [SEP]", error.Message);
    }
}
