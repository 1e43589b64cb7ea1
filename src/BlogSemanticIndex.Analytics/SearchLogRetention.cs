using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BlogSemanticIndex.Analytics;

/// <summary>
/// Deletes searches and clicks older than <see cref="AnalyticsOptions.RetentionDays"/>, at start and then hourly;
/// with retention 0 it empties both. Idempotent, so several service instances may all run it.
/// </summary>
public sealed class SearchLogRetention(AnalyticsOptions options, NpgsqlDataSource dataSource, ILogger<SearchLogRetention> logger, TimeProvider time)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    var deleted = await PurgeAsync(dataSource, options.RetentionDays, stoppingToken);
                    if (deleted > 0)
                    {
                        logger.Purged(deleted, options.RetentionDays);
                    }
                }
                catch (NpgsqlException e)
                {
                    logger.PurgeFailed(e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (Exception e) when (e is ObjectDisposedException || e is OperationCanceledException && stoppingToken.IsCancellationRequested)
        {
            // Stopping: a purge cut short is not a failure, also when the host failed to start (a port in use) and
            // disposes the data source under the first purge, which then ends in ObjectDisposedException.
        }
    }

    /// <summary>Deletes rows older than <paramref name="retentionDays"/> days (all rows for 0); returns how many.</summary>
    public static async Task<int> PurgeAsync(NpgsqlDataSource dataSource, int retentionDays, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH searches AS (DELETE FROM search_log WHERE at < now() - make_interval(days => $1) RETURNING 1),
                 clicks AS (DELETE FROM search_clicks WHERE at < now() - make_interval(days => $1) RETURNING 1)
            SELECT (SELECT count(*) FROM searches) + (SELECT count(*) FROM clicks)
            """);
        // Retention 0: "older than now" is every row already written.
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = retentionDays });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

internal static partial class SearchLogRetentionLog
{
    [LoggerMessage(LogLevel.Information, "Purged {Rows} search log rows older than {Days} days")]
    public static partial void Purged(this ILogger logger, int rows, int days);

    [LoggerMessage(LogLevel.Warning, "The search log purge failed ({Reason}); retrying in an hour")]
    public static partial void PurgeFailed(this ILogger logger, string reason);
}
