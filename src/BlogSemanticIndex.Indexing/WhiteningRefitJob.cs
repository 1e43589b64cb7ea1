using System.Globalization;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace BlogSemanticIndex.Indexing;

/// <summary>
/// Keeps the whitening fitted to the blog: on its schedule (<see cref="WhiteningOptions.RefitCheckInterval"/>) it fits a
/// new version when the corpus has grown by <see cref="WhiteningOptions.RefitGrowthFraction"/> since the live fit (or
/// there is none yet and <see cref="WhiteningOptions.MinVectors"/> vectors exist), builds it beside the live one and
/// switches; then it drops retired tables and half-built ones a dead process left. <c>POST /admin/whitening/refit</c>
/// fires it once with <see cref="ForceKey"/> (and optionally other hyperparameters) to refit now.
/// Non-concurrent: in a cluster one node refits at a time.
/// </summary>
[DisallowConcurrentExecution]
public sealed class WhiteningRefitJob(WhiteningStore store, IndexWriter index, IOptions<WhiteningOptions> options, ILogger<WhiteningRefitJob> logger) : IJob
{
    public static readonly JobKey Key = new("whitening-refit", "bsi-indexing");
    public static readonly TriggerKey TriggerKey = new("whitening-refit-schedule", "bsi-indexing");

    public const string ForceKey = "force";
    public const string BetaKey = "beta";
    public const string GammaKey = "gamma";
    public const string DimsKey = "dims";

    /// <summary>Fires the job once, now: a refit whatever the growth, with <paramref name="parameters"/> or the configured ones.</summary>
    public static async Task RefitNowAsync(ISchedulerFactory schedulers, WhiteningParameters? parameters, CancellationToken cancellationToken = default)
    {
        var data = new JobDataMap { [ForceKey] = "true" };
        if (parameters is not null)
        {
            data[BetaKey] = parameters.Beta.ToString("R", CultureInfo.InvariantCulture);
            data[GammaKey] = parameters.Gamma.ToString("R", CultureInfo.InvariantCulture);
            data[DimsKey] = parameters.Dims.ToString(CultureInfo.InvariantCulture);
        }
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(Key, data, cancellationToken);
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Enabled)
        {
            // The schedule lives in the shared Quartz store and outlives a configuration that turned whitening off.
            return;
        }
        var data = context.MergedJobDataMap;
        var force = Get(data, ForceKey) == "true";
        try
        {
            await store.DropAbandonedBuildsAsync(cancellationToken);
            if (await index.GetActiveModelAsync(cancellationToken) is { } model)
            {
                var check = await store.CheckRefitAsync(model.Id, cancellationToken);
                if (force || check.Due)
                {
                    var parameters = ReadParameters(data, options.Value.ToParameters());
                    logger.Refitting(parameters, force ? "asked for over the admin API" : check.Reason);
                    var result = await store.FitAsync(model.Id, parameters, activate: true, cancellationToken);
                    logger.RefitLive(result.Version, result.Rows, (result.FitTime + result.CopyTime + result.IndexTime).TotalSeconds);
                }
                else
                {
                    logger.NoRefit(check.Reason);
                }
            }
            await store.DropRetiredTablesAsync(cancellationToken);
        }
        catch (WhiteningFitException e)
        {
            // Too few vectors or no variance yet: the blog is too small; the next check tries again.
            logger.NotRefitted(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.RefitFailed(e);
            throw new JobExecutionException(e);
        }
    }

    /// <summary>The hyperparameters a fire carries, else <paramref name="configured"/>.</summary>
    internal static WhiteningParameters ReadParameters(JobDataMap data, WhiteningParameters configured) =>
        Get(data, BetaKey) is { } beta && Get(data, GammaKey) is { } gamma && Get(data, DimsKey) is { } dims
            ? configured with
            {
                Beta = double.Parse(beta, CultureInfo.InvariantCulture),
                Gamma = double.Parse(gamma, CultureInfo.InvariantCulture),
                Dims = int.Parse(dims, CultureInfo.InvariantCulture),
            }
            : configured;

    private static string? Get(JobDataMap data, string key) => data.TryGetValue(key, out var value) ? value?.ToString() : null;
}

internal static partial class WhiteningRefitJobLog
{
    [LoggerMessage(LogLevel.Information, "Refitting whitening {Parameters}: {Reason}")]
    public static partial void Refitting(this ILogger logger, WhiteningParameters parameters, string reason);

    [LoggerMessage(LogLevel.Information, "Whitening version {Version} is live: {Rows} vectors, built in {Seconds:F1} s")]
    public static partial void RefitLive(this ILogger logger, int version, long rows, double seconds);

    [LoggerMessage(LogLevel.Debug, "No whitening refit: {Reason}")]
    public static partial void NoRefit(this ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "Whitening not refitted: {Reason}")]
    public static partial void NotRefitted(this ILogger logger, string reason);

    [LoggerMessage(LogLevel.Error, "Whitening refit failed; the live version keeps serving")]
    public static partial void RefitFailed(this ILogger logger, Exception exception);
}
