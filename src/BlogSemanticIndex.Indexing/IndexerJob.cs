using Microsoft.Extensions.Logging;
using Quartz;

namespace BlogSemanticIndex.Indexing;

/// <summary>
/// One poll of the blog (<see cref="PostIndexer.RunOnceAsync"/>). Non-concurrent: with the clustered store one
/// instance in the cluster runs it at a time. A failure is logged and recorded by the indexer; the next fire goes on
/// from the last committed batch.
/// </summary>
[DisallowConcurrentExecution]
public sealed class IndexerJob(PostIndexer indexer, IndexingProgressStore progress, ILogger<IndexerJob> logger) : IJob
{
    public static readonly JobKey Key = new("poll", "bsi-indexing");
    public static readonly TriggerKey TriggerKey = new("poll-schedule", "bsi-indexing");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var tracker = progress.Begin(IndexingProgressStore.PollKind);
        try
        {
            tracker.Complete(await indexer.RunOnceAsync(tracker, cancellationToken));
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            tracker.Fail(e);
            logger.PollCancelled();
            throw;
        }
        catch (Exception e)
        {
            tracker.Fail(e);
            // Already logged by the indexer; rethrown so Quartz records the fire as failed.
            throw new JobExecutionException(e);
        }
    }
}

/// <summary>
/// A reindex asked for over <c>POST /admin/reindex</c>: durable, without a schedule of its own; each request fires it
/// once through <see cref="ScheduleAsync"/>. Its progress is in <see cref="IndexingProgressStore"/>.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ReindexJob(PostIndexer indexer, IndexingProgressStore progress, ILogger<ReindexJob> logger) : IJob
{
    public static readonly JobKey Key = new("reindex", "bsi-indexing");

    private const string AllKey = "all";
    private const string CidsKey = "cids";
    private const string DryRunKey = "dryRun";

    /// <summary>Fires the reindex job once, now (on whichever cluster node acquires it).</summary>
    public static async Task ScheduleAsync(ISchedulerFactory schedulers, ReindexRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(request);
        request.EnsureValid();
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(Key, ToJobData(request), cancellationToken);
    }

    /// <summary>What a fire carries: strings only, so the stored job data reads the same on every node and version.</summary>
    public static JobDataMap ToJobData(ReindexRequest request) => new(new Dictionary<string, object?>
    {
        [AllKey] = request.All ? "true" : "false",
        [CidsKey] = string.Join(',', request.Cids),
        [DryRunKey] = request.DryRun ? "true" : "false",
    });

    /// <summary>The request a fire carries.</summary>
    public static ReindexRequest ReadRequest(JobDataMap data)
    {
        string Get(string key) => data.TryGetValue(key, out var value) ? value?.ToString() ?? "" : "";
        var cids = Get(CidsKey).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => long.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return new ReindexRequest(Get(AllKey) == "true", cids, Get(DryRunKey) == "true");
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var request = ReadRequest(context.MergedJobDataMap);
        var tracker = progress.Begin(IndexingProgressStore.ReindexKind, request);
        try
        {
            tracker.Complete(await indexer.ReindexAsync(request, tracker, cancellationToken));
        }
        catch (Exception e)
        {
            tracker.Fail(e);
            logger.ReindexFailed(e, request);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new JobExecutionException(e);
        }
    }
}

internal static partial class IndexerJobLog
{
    [LoggerMessage(LogLevel.Information, "Poll cancelled (the scheduler is shutting down); committed batches are kept")]
    public static partial void PollCancelled(this ILogger logger);

    [LoggerMessage(LogLevel.Error, "Reindex {Request} failed")]
    public static partial void ReindexFailed(this ILogger logger, Exception exception, ReindexRequest request);
}
