using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Text;

/// <summary>How posts are cut into chunks (configuration section <c>Chunking</c>).</summary>
public sealed class ChunkerOptions : IValidatedSection<ChunkerOptions>
{
    public const string SectionName = "Chunking";

    static string IValidatedSection<ChunkerOptions>.SectionName => SectionName;

    /// <summary>Most tokens per chunk, not counting special tokens: the encoder's maximum sequence length minus 2 ([CLS], [SEP]).</summary>
    public int MaxTokens { get; set; } = 254;

    /// <summary>Tokens a chunk repeats from the end of the previous one, so a sentence cut at a border is whole in one of them.</summary>
    public int OverlapTokens { get; set; } = 32;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxTokens < 8)
        {
            errors.Add($"{SectionName}:MaxTokens is {MaxTokens}; use at least 8 (default 254, the encoder's 256 minus [CLS] and [SEP]).");
        }
        if (OverlapTokens < 0 || OverlapTokens * 2 >= MaxTokens)
        {
            errors.Add($"{SectionName}:OverlapTokens is {OverlapTokens}; use 0 up to less than half of MaxTokens ({MaxTokens}) (default 32).");
        }
        return errors;
    }
}
