using System.Diagnostics;
using BlogSemanticIndex.Storage;
using Prometheus;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>
/// Gauges of the index's state, from <see cref="IndexStatusReader"/> when Prometheus scrapes. One read serves the
/// scrapes of a few seconds, so several scrapers (an HA pair) cost one; the lag is computed at each scrape.
/// </summary>
internal sealed class IndexStatusMetrics(IndexStatusReader statusReader, ILogger<IndexStatusMetrics> logger)
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(5);

    /// <summary>Below Prometheus's default 10 s scrape timeout, so a database that hangs fails these gauges, not the scrape.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    // Each gauge appears once there is a value: a zero before the first read would look like a real state.
    private static readonly GaugeConfiguration Unpublished = new() { SuppressInitialValue = true };

    private readonly Gauge _databaseUp = Metrics.CreateGauge("bsi_index_database_up",
        "1 when the index database answered the latest status read, 0 when it did not (the other bsi_index_* gauges then keep their last values).", Unpublished);
    private readonly Gauge _lag = Metrics.CreateGauge("bsi_index_lag_seconds",
        "Seconds since the last successful poll of the blog by any node; absent until one succeeded.", Unpublished);
    private readonly Gauge _lastPollFailed = Metrics.CreateGauge("bsi_index_last_poll_failed",
        "1 when the latest poll failed (the error is in bsi status), else 0.", Unpublished);
    private readonly Gauge _posts = Metrics.CreateGauge("bsi_index_posts", "Posts in the index.", Unpublished);
    private readonly Gauge _chunks = Metrics.CreateGauge("bsi_index_chunks", "Chunks in the index.", Unpublished);
    private readonly Gauge _skippedPosts = Metrics.CreateGauge("bsi_index_skipped_posts",
        "Posts the indexer could not index (the reasons are in skipped_posts).", Unpublished);

    private Reading? _latest;

    /// <summary>The registry's before-collect callback.</summary>
    public async Task UpdateAsync(CancellationToken cancellationToken)
    {
        var reading = _latest;
        if (reading is null || Stopwatch.GetElapsedTime(reading.At) >= ReuseFor)
        {
            reading = await ReadAsync(reading?.Status, cancellationToken);
            _latest = reading;
        }

        _databaseUp.Set(reading.DatabaseUp ? 1 : 0);
        if (reading.Status is not { } status)
        {
            return;
        }
        if (status.LastSuccessAt is { } lastSuccess)
        {
            // Clamped: the database's clock may run slightly ahead of this host's.
            _lag.Set(Math.Max(0, (DateTimeOffset.UtcNow - lastSuccess).TotalSeconds));
        }
        _lastPollFailed.Set(status.LastError is null ? 0 : 1);
        _posts.Set(status.Posts);
        _chunks.Set(status.Chunks);
        _skippedPosts.Set(status.SkippedPosts);
    }

    private async Task<Reading> ReadAsync(IndexStatus? previous, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            return new Reading(await statusReader.ReadAsync(timeout.Token), DatabaseUp: true, Stopwatch.GetTimestamp());
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.StatusReadFailed(e.Message);
            return new Reading(previous, DatabaseUp: false, Stopwatch.GetTimestamp());
        }
    }

    /// <param name="Status">The latest status read, or the one before when this read failed.</param>
    /// <param name="At">Stopwatch timestamp of the read.</param>
    private sealed record Reading(IndexStatus? Status, bool DatabaseUp, long At);
}
