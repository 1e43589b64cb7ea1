using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Analytics;

/// <summary>The search log's settings (configuration section <c>Analytics</c>).</summary>
public sealed class AnalyticsOptions : IValidatedSection<AnalyticsOptions>
{
    public const string SectionName = "Analytics";

    static string IValidatedSection<AnalyticsOptions>.SectionName => SectionName;

    /// <summary>Days a logged search is kept; 0 logs nothing and empties the log.</summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>Searches waiting for the writer; beyond it new ones are dropped rather than delaying a search.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    public bool Enabled => RetentionDays > 0;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RetentionDays is < 0 or > 3650)
        {
            errors.Add($"{SectionName}:RetentionDays is {RetentionDays}; allowed: 0 (log nothing) to 3650 days.");
        }
        if (QueueCapacity is < 1 or > 1_000_000)
        {
            errors.Add($"{SectionName}:QueueCapacity is {QueueCapacity}; allowed: 1 to 1000000 searches.");
        }
        return errors;
    }
}
