using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.NodeIndexes;

/// <summary>
/// Keeps one <see cref="NodeIndex"/> current: every <see cref="SearchOptions.KeywordIndexRefresh"/> one poll
/// (<see cref="CatchUpAsync"/>: a build when there is none, else what changed since its generation), then it is marked
/// current as of the poll's start. An outage of the store is logged once; the lag in <c>/healthz</c> and
/// <c>/metrics</c> grows meanwhile and searches use the index as it is.
/// </summary>
public abstract class NodeIndexSync(NodeIndex index, ChangeSequence changes, IOptions<SearchOptions> options, ILogger logger, TimeProvider time)
    : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    /// <summary>The clock, for the build times the derived syncs log.</summary>
    protected TimeProvider Time => time;

    /// <summary>The change sequence, for the generation the derived syncs compare with their index's.</summary>
    protected ChangeSequence Changes => changes;

    /// <summary>One poll: build when there is no index (or its changes are gone), else apply what changed.</summary>
    public abstract Task CatchUpAsync(CancellationToken cancellationToken);

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
                    await changes.PruneAsync(stoppingToken);
                    lastPrune = pollStartedAt;
                }
                if (failing)
                {
                    logger.NodeIndexCurrentAgain(index.Name, index.AppliedGeneration);
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
                // One line per outage, not one per poll.
                if (!failing)
                {
                    if (e is Npgsql.NpgsqlException or TimeoutException)
                    {
                        // An outage of the index database: its reason is enough, a stack would say nothing more.
                        logger.NodeIndexBehind(index.Name, e.Message);
                    }
                    else
                    {
                        logger.NodeIndexBehind(e, index.Name);
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
}
