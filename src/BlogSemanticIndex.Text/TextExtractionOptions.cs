using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Text;

/// <summary>Limits for turning post bodies into text (configuration section <c>Text</c>).</summary>
public sealed class TextExtractionOptions : IValidatedSection<TextExtractionOptions>
{
    public const string SectionName = "Text";

    static string IValidatedSection<TextExtractionOptions>.SectionName => SectionName;

    /// <summary>
    /// Raw bodies longer than this many characters are cut before parsing, so one pathological post cannot stall the
    /// indexer. Typecho's own editor never comes near the default of 2,000,000.
    /// </summary>
    public int MaxBodyChars { get; set; } = 2_000_000;

    /// <summary>
    /// Bodies longer than this skip Markdig and AngleSharp and go through a linear tag stripper instead: both parsers
    /// take seconds per megabyte (a 1 MB table is about 3 s in AngleSharp alone), and a post that long loses little
    /// by keeping a few Markdown characters. Default 300,000.
    /// </summary>
    public int MaxParsedChars { get; set; } = 300_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxBodyChars < 1_000)
        {
            errors.Add($"{SectionName}:MaxBodyChars is {MaxBodyChars}; use at least 1000 (default 2000000).");
        }
        if (MaxParsedChars < 0)
        {
            errors.Add($"{SectionName}:MaxParsedChars is {MaxParsedChars}; use 0 or more (default 300000).");
        }
        return errors;
    }
}
