using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace BlogSemanticIndex.Analytics;

/// <summary>How a search was answered, as the log records it.</summary>
public static class SearchOutcomes
{
    public const string Ok = "ok";
    /// <summary>Hybrid answered from the keyword leg alone.</summary>
    public const string Degraded = "degraded";
    /// <summary>The service could not answer (503).</summary>
    public const string Error = "error";
    /// <summary>The plugin answered the search itself and reported it.</summary>
    public const string Fallback = "fallback";
}

/// <summary>One logged search. No visitor address, by design.</summary>
public sealed record SearchLogEntry(DateTimeOffset At, string Query, string Mode, int? Total, int? LatencyMs, string Outcome, string? Reason = null);

/// <summary>
/// The queue between the search handler and <see cref="SearchLogWriter"/>: recording never waits and never throws;
/// when the queue is full the entry is dropped and counted.
/// </summary>
public sealed class SearchLog
{
    public const string MeterName = "BlogSemanticIndex.Analytics";
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Log entries lost: the queue was full or the database refused the batch.</summary>
    public static readonly Counter<long> DroppedEntries = Meter.CreateCounter<long>("search_log.dropped", description: "Search log entries dropped.");

    private readonly Channel<SearchLogEntry> _queue;
    private long _dropped;

    public SearchLog(AnalyticsOptions options)
    {
        Options = options;
        _queue = Channel.CreateBounded<SearchLogEntry>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuses instead of waiting, so the drop is counted here
            SingleReader = true,
        });
    }

    public AnalyticsOptions Options { get; }

    /// <summary>Entries dropped since the process started.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal ChannelReader<SearchLogEntry> Reader => _queue.Reader;

    public void Record(SearchLogEntry entry)
    {
        if (!Options.Enabled)
        {
            return;
        }
        if (!_queue.Writer.TryWrite(entry))
        {
            CountDropped(1);
        }
    }

    internal void CountDropped(int count)
    {
        Interlocked.Add(ref _dropped, count);
        DroppedEntries.Add(count);
    }

    internal void Complete() => _queue.Writer.TryComplete();
}
