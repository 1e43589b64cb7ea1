using Quartz;
using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Indexing;

/// <summary>How and when the indexer polls the blog (configuration section <c>Indexer</c>).</summary>
public sealed class IndexerOptions : IValidatedSection<IndexerOptions>
{
    public const string SectionName = "Indexer";

    static string IValidatedSection<IndexerOptions>.SectionName => SectionName;

    /// <summary>Time between polls when <see cref="Cron"/> is empty. Default 30 s; 1 s to 1 day.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A Quartz cron expression (seconds first, e.g. <c>0 */5 * * * ?</c>) that replaces <see cref="PollInterval"/> when set.
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>Posts per batch: each batch is read, embedded and committed in one transaction. Default 64; 1 to 10000.</summary>
    public int PageSize { get; set; } = 64;

    /// <summary>
    /// The name the index records this blog's watermark under; empty means <c>Blog:Name</c>. Letters, digits, '_', '-', '.'.
    /// </summary>
    public string SourceName { get; set; } = "";

    /// <summary>Chunk texts handed to the encoder per call, so progress and cancellation come between calls. Default 32.</summary>
    public int EmbedBatchSize { get; set; } = 32;

    /// <summary>Retries of a database operation that failed transiently (connection lost, server restarting). Default 8; 0 to 100.</summary>
    public int RetryAttempts { get; set; } = 8;

    /// <summary>First retry delay; each next one doubles (with jitter) up to <see cref="RetryMaxDelay"/>. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between two retries. Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The Quartz scheduler name. Every service instance sharing one index database must use the same one: the cluster
    /// is the set of schedulers with one name in one store. Default <c>bsi</c>.
    /// </summary>
    public string SchedulerName { get; set; } = "bsi";

    /// <summary>
    /// Run indexing jobs (polls, reindexes, whitening refits) in this instance; false makes a search-only node, whatever
    /// the schedule stored in the index database holds. Default true.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every problem with these settings, each naming the setting and what is allowed; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (PollInterval < TimeSpan.FromSeconds(1) || PollInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"{SectionName}:PollInterval {PollInterval} is not valid; use 00:00:01 to 1.00:00:00 (default 00:00:30).");
        }
        if (!string.IsNullOrWhiteSpace(Cron) && !CronExpression.TryParse(Cron, out _))
        {
            errors.Add($"{SectionName}:Cron '{Cron}' is not a valid Quartz cron expression; use six or seven fields, seconds first " +
                       "(e.g. '0 */5 * * * ?'), or leave it empty to poll every PollInterval.");
        }
        if (PageSize is < 1 or > 10_000)
        {
            errors.Add($"{SectionName}:PageSize {PageSize} is not valid; use 1 to 10000 posts per batch (default 64).");
        }
        if (!string.IsNullOrEmpty(SourceName) && !SourceName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            errors.Add($"{SectionName}:SourceName '{SourceName}' is not valid; use letters, digits, '_', '-' or '.', or leave it empty to use Blog:Name.");
        }
        if (string.IsNullOrWhiteSpace(SchedulerName) || SchedulerName.Length > 120)
        {
            errors.Add($"{SectionName}:SchedulerName '{SchedulerName}' is not valid; use a name of 1 to 120 characters, the same on every instance (default 'bsi').");
        }
        if (EmbedBatchSize is < 1 or > 4096)
        {
            errors.Add($"{SectionName}:EmbedBatchSize {EmbedBatchSize} is not valid; use 1 to 4096 (default 32).");
        }
        if (RetryAttempts is < 0 or > 100)
        {
            errors.Add($"{SectionName}:RetryAttempts {RetryAttempts} is not valid; use 0 (no retries) to 100 (default 8).");
        }
        if (RetryBaseDelay <= TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{SectionName}:RetryBaseDelay {RetryBaseDelay} is not valid; use more than 0 up to 00:05:00 (default 00:00:01).");
        }
        if (RetryMaxDelay < RetryBaseDelay || RetryMaxDelay > TimeSpan.FromHours(1))
        {
            errors.Add($"{SectionName}:RetryMaxDelay {RetryMaxDelay} is not valid; use RetryBaseDelay ({RetryBaseDelay}) up to 01:00:00 (default 00:00:30).");
        }
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem <see cref="Validate"/> finds.</summary>
    public IndexerOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException(string.Join(Environment.NewLine, errors));
    }
}
