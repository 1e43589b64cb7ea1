using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace BlogSemanticIndex.Analytics;

/// <summary>
/// Drains <see cref="SearchLog"/> into <c>search_log</c> in batches (binary COPY), at most one round of them per
/// <see cref="BatchWindow"/>. A batch the database refuses is dropped and counted rather than retried, so an outage
/// cannot grow the queue without bound.
/// </summary>
/// <remarks>
/// Written as soon as they came, 100 searches a second made ~70 COPYs a second of 1–2 rows, each its own connection
/// checkout, transaction and WAL flush (bench/LoadBench, pg_stat_statements); a second's wait makes it one.
/// </remarks>
public sealed class SearchLogWriter(SearchLog log, NpgsqlDataSource dataSource, ILogger<SearchLogWriter> logger, TimeProvider time) : BackgroundService
{
    internal const int MaxBatch = 1000;
    internal static readonly TimeSpan BatchWindow = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);
    private DateTimeOffset _lastWarning = DateTimeOffset.MinValue;
    private int _droppedSinceWarning;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<SearchLogEntry>(MaxBatch);
        try
        {
            while (await log.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(BatchWindow, time, stoppingToken);
                while (log.Reader.TryPeek(out _))
                {
                    await WriteQueuedAsync(batch);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is already queued is still written below.
        }
        log.Complete();
        while (log.Reader.TryPeek(out _))
        {
            await WriteQueuedAsync(batch);
        }
    }

    private async Task WriteQueuedAsync(List<SearchLogEntry> batch)
    {
        batch.Clear();
        while (batch.Count < MaxBatch && log.Reader.TryRead(out var entry))
        {
            batch.Add(entry);
        }
        if (batch.Count == 0)
        {
            return;
        }
        // Not the stopping token: a batch already taken from the queue is written whole or counted as dropped.
        using var timeout = new CancellationTokenSource(WriteTimeout);
        try
        {
            await WriteAsync(dataSource, batch, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            log.CountDropped(batch.Count);
            _droppedSinceWarning += batch.Count;
            // One line a minute at most while the database is away, not one per batch.
            if (time.GetUtcNow() - _lastWarning >= WarningInterval)
            {
                logger.WriteFailed(e.Message, _droppedSinceWarning);
                _lastWarning = time.GetUtcNow();
                _droppedSinceWarning = 0;
            }
        }
    }

    internal static async Task WriteAsync(NpgsqlDataSource dataSource, IReadOnlyList<SearchLogEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY search_log (at, query, mode, total, latency_ms, outcome, reason) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var entry in entries)
        {
            await importer.StartRowAsync(cancellationToken);
            // Npgsql writes timestamptz only from UTC offsets; a plugin may report a local time.
            await importer.WriteAsync(entry.At.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await importer.WriteAsync(entry.Query, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(entry.Mode, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(importer, entry.Total, cancellationToken);
            await WriteNullableAsync(importer, entry.LatencyMs, cancellationToken);
            await importer.WriteAsync(entry.Outcome, NpgsqlDbType.Text, cancellationToken);
            if (entry.Reason is null)
            {
                await importer.WriteNullAsync(cancellationToken);
            }
            else
            {
                await importer.WriteAsync(entry.Reason, NpgsqlDbType.Text, cancellationToken);
            }
        }
        await importer.CompleteAsync(cancellationToken);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, int? value, CancellationToken cancellationToken) =>
        value is { } v ? importer.WriteAsync(v, NpgsqlDbType.Integer, cancellationToken) : importer.WriteNullAsync(cancellationToken);
}

internal static partial class SearchLogWriterLog
{
    [LoggerMessage(LogLevel.Warning, "The search log could not be written ({Reason}); {Count} entries dropped since the last warning")]
    public static partial void WriteFailed(this ILogger logger, string reason, int count);
}
