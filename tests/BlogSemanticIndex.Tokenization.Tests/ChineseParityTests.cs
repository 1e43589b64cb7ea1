using Tokenizers.DotNet;
using Xunit.Abstractions;

namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>
/// bge-small-zh-v1.5's tokenizer (cased, CJK split, no accent stripping): our ids against the Hugging Face tokenizers
/// library loading the same tokenizer.json.
/// </summary>
public class ChineseParityTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void IdsEqualReference_OnSentevalCnSentences()
    {
        var folder = SharedData.Require(ReferenceTokenizers.BgeFolder);
        var data = SharedData.Require("senteval_cn");
        var texts = new List<string>();
        texts.AddRange(SampleTexts.SentevalSentences(Path.Combine(data, "STS-B", "STS-B.test.data")));
        texts.AddRange(SampleTexts.SentevalSentences(Path.Combine(data, "STS-B", "STS-B.valid.data")));
        texts.AddRange(SampleTexts.SentevalSentences(Path.Combine(data, "LCQMC", "LCQMC.test.data"), maxLines: 2_000));
        texts.AddRange(SampleTexts.SentevalSentences(Path.Combine(data, "ATEC", "ATEC.test.data"), maxLines: 2_000));
        texts.AddRange(SampleTexts.SentevalSentences(Path.Combine(data, "BQ", "BQ.test.data"), maxLines: 1_000));
        texts.AddRange(SampleTexts.SentevalSentences(Path.Combine(data, "PAWSX", "PAWSX.test.data"), maxLines: 1_000));

        var differences = CompareWithReference(folder, texts);

        output.WriteLine($"{texts.Count} senteval_cn sentences compared, {differences.Count} differ.");
        Assert.True(texts.Count > 15_000, $"expected the whole sample, read {texts.Count} sentences");
        Assert.True(differences.Count == 0, string.Join("\n", differences.Take(20)));
    }

    [SkippableFact]
    public void IdsEqualReference_OnMixedChineseEnglishCode()
    {
        var folder = SharedData.Require(ReferenceTokenizers.BgeFolder);

        var differences = CompareWithReference(folder, SampleTexts.Mixed);

        output.WriteLine($"{SampleTexts.Mixed.Length} mixed texts compared, {differences.Count} differ.");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [SkippableTheory]
    [InlineData("a~b", new[] { "a", "~", "b" })]
    [InlineData("用`代码`", new[] { "用", "[UNK]", "代", "码", "[UNK]" })] // bge's vocabulary has no backquote; it still is a token
    [InlineData("ⅴ", new[] { "ⅴ" })]
    [InlineData("a_2", new[] { "a", "_", "2" })]
    public void KeepsTheSymbolsMicrosoftMlTokenizersDropped(string text, string[] expectedTokens)
    {
        var tokenizer = WordPieceTokenizer.FromModelFolder(SharedData.Require(ReferenceTokenizers.BgeFolder));

        var tokens = tokenizer.Encode(text, 512).Ids[1..^1].Select(tokenizer.IdToToken);

        Assert.Equal(expectedTokens, tokens);
    }

    private static List<string> CompareWithReference(string folder, IEnumerable<string> texts)
    {
        var ours = WordPieceTokenizer.FromModelFolder(folder);
        var reference = new Tokenizer(vocabPath: Path.Combine(folder, "tokenizer.json"));
        var differences = new List<string>();
        foreach (var text in texts)
        {
            var expected = reference.Ids(text);
            var actual = ours.Encode(text, int.MaxValue).Ids;

            // The reference does not truncate; compare only texts that fit, and say so if one does not.
            Assert.True(expected.Length <= ours.MaxLength, $"text longer than the model limit: {text}");
            if (!actual.SequenceEqual(expected))
            {
                differences.Add($"{text}\n  expected [{string.Join(",", expected)}]\n  actual   [{string.Join(",", actual)}]");
            }
        }

        return differences;
    }
}
