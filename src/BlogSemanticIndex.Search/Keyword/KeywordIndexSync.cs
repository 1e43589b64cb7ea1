using System.Runtime.CompilerServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// Keeps this node's <see cref="LuceneKeywordIndex"/> current: builds it from PostgreSQL at start, then every
/// <see cref="SearchOptions.KeywordIndexRefresh"/> reads the index generation (one row) and, when it moved, applies the
/// posts changed since. Until the first build ends, and whenever the index cannot be read, the keyword leg ranks in
/// PostgreSQL instead.
/// </summary>
public sealed class KeywordIndexSync(
    LuceneKeywordIndex index,
    KeywordChangeFeed feed,
    IOptions<SearchOptions> options,
    ILogger<KeywordIndexSync> logger,
    TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTimeOffset.MinValue;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var pollStartedAt = time.GetUtcNow();
            try
            {
                await CatchUpAsync(stoppingToken);
                index.MarkCurrent(pollStartedAt);
                if (pollStartedAt - lastPrune >= PruneEvery)
                {
                    await feed.PruneAsync(stoppingToken);
                    lastPrune = pollStartedAt;
                }
                if (failing)
                {
                    logger.KeywordIndexCurrentAgain(index.AppliedGeneration);
                    failing = false;
                }
            }
            catch (Exception e) when (stoppingToken.IsCancellationRequested || e is ObjectDisposedException)
            {
                // Stopping, or the host is being disposed around this loop because it failed to start (e.g. its port is
                // taken, which is reported on its own): not a failure of this service.
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // One line per outage, not one per poll; the lag in /healthz and /metrics grows meanwhile.
                if (!failing)
                {
                    if (e is Npgsql.NpgsqlException or TimeoutException)
                    {
                        // An outage of the index database: its reason is enough, a stack would say nothing more.
                        logger.KeywordIndexBehind(e.Message);
                    }
                    else
                    {
                        logger.KeywordIndexBehind(e);
                    }
                    failing = true;
                }
            }
            try
            {
                await Task.Delay(options.Value.KeywordIndexRefresh, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One poll: build when there is no index (or its changes are gone), else apply what changed.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (index.IsReady)
        {
            var generation = await feed.ReadGenerationAsync(cancellationToken);
            if (generation == index.AppliedGeneration)
            {
                return;
            }
            // A generation below ours is another database (restored, or recreated): only a build is right.
            if (generation > index.AppliedGeneration && await feed.ReadChangesAsync(index.AppliedGeneration, cancellationToken) is { } changes)
            {
                index.Apply(changes.ChangedCids, changes.Documents, changes.Generation);
                return;
            }
        }
        var started = time.GetTimestamp();
        var built = new StrongBox<long>();
        await index.RebuildAsync(feed.ReadAllAsync(built, cancellationToken), () => built.Value, cancellationToken);
        logger.KeywordIndexBuilt(index.Documents, index.AppliedGeneration, time.GetElapsedTime(started).TotalSeconds);
    }
}
