using System.Globalization;
using System.Text;

namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>Character spans: each token's span, normalised as the tokenizer is configured, spells the token.</summary>
public class OffsetTests
{
    [SkippableFact]
    public void SpansSpellTheirTokens_Cased()
    {
        var tokenizer = WordPieceTokenizer.FromModelFolder(SharedData.Require(ReferenceTokenizers.BgeFolder));
        var texts = SampleTexts.Mixed.Concat(
            SampleTexts.SentevalSentences(Path.Combine(SharedData.Require("senteval_cn"), "STS-B", "STS-B.test.data"), maxLines: 500));

        foreach (var text in texts)
        {
            AssertSpansSpellTokens(tokenizer, text);
        }
    }

    [Fact]
    public void SpansSpellTheirTokens_UncasedWithAccentStripping()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();
        string[] texts =
        [
            .. SampleTexts.Mixed,
            "Ünïcödé àccênts: naïve café, résumé, Ångström",
            "Precomposed é versus combining e\u0301 and ﬁ ligature",
        ];

        foreach (var text in texts)
        {
            AssertSpansSpellTokens(tokenizer, text);
        }
    }

    [Fact]
    public void SpansPointIntoTheOriginalString_AroundRemovedAndWideCharacters()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();
        const string text = "\u0007Héllo 😀 wörld";

        var encoded = tokenizer.Encode(text, 512);

        var spans = encoded.Offsets[1..^1].Select(o => text[o.Start..o.End]).ToArray();
        Assert.Equal(["Héllo", "😀", "wörld"], spans);
        Assert.Equal((0, 0), encoded.Offsets[0]);
        Assert.Equal((0, 0), encoded.Offsets[^1]);
    }

    private static void AssertSpansSpellTokens(WordPieceTokenizer tokenizer, string text)
    {
        var encoded = tokenizer.Encode(text, tokenizer.MaxLength);
        Assert.Equal(encoded.Ids.Length, encoded.Offsets.Length);
        var previous = (Start: 0, End: 0);
        for (var i = 1; i < encoded.Ids.Length - 1; i++)
        {
            var (start, end) = encoded.Offsets[i];

            // Spans follow one another; only tokens cut from one character (Hangul jamo) share a span.
            var inOrder = start >= previous.End || (start, end) == previous;
            Assert.True(inOrder && end > start && end <= text.Length, $"span {i} ({start}, {end}) out of order in '{text}'");
            previous = (start, end);

            var token = tokenizer.IdToToken(encoded.Ids[i]);
            if (encoded.Ids[i] == tokenizer.UnknownId || IsSpecialToken(token))
            {
                continue;
            }

            var expected = token.StartsWith("##", StringComparison.Ordinal) ? token[2..] : token;
            var spelled = Normalize(text[start..end], tokenizer.Options);

            // One character that decomposes into several tokens (a Hangul syllable into jamo) gives each its whole span.
            var partOfOneCharacter = text[start..end].EnumerateRunes().Count() == 1 && spelled.Contains(expected, StringComparison.Ordinal);
            Assert.True(spelled == expected || partOfOneCharacter, $"token '{token}' has span '{text[start..end]}' in '{text}'");
        }
    }

    private static bool IsSpecialToken(string token) => token is "[CLS]" or "[SEP]" or "[PAD]" or "[MASK]";

    /// <summary>An independent spelling of the normaliser, enough for the texts above.</summary>
    private static string Normalize(string span, BertTokenizerOptions options)
    {
        var text = span;
        if (options.StripAccents ?? options.LowerCase)
        {
            var builder = new StringBuilder();
            foreach (var c in text.Normalize(NormalizationForm.FormD))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                {
                    builder.Append(c);
                }
            }

            text = builder.ToString();
        }

        return options.LowerCase ? text.ToLowerInvariant() : text;
    }
}
