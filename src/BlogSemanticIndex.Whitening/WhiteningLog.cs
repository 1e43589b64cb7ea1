using Microsoft.Extensions.Logging;

namespace BlogSemanticIndex.Whitening;

/// <summary><see cref="WhiteningStore"/>'s log lines, as source-generated <see cref="LoggerMessageAttribute"/> methods.</summary>
internal static partial class WhiteningLog
{
    [LoggerMessage(LogLevel.Information,
        "Fitted whitening {Parameters} for encoder model {ModelId} on {VectorCount} vectors in {FitSeconds:F2} s; {ExplainedVariance:P1} of the variance kept")]
    public static partial void Fitted(this ILogger logger, WhiteningParameters parameters, int modelId, int vectorCount, double fitSeconds, double explainedVariance);

    [LoggerMessage(LogLevel.Information,
        "Built whitening version {Version} ({Table}, {Rows} vectors of {Dims} dims): copy {CopySeconds:F2} s, index {IndexSeconds:F2} s, switch {SwitchSeconds:F3} s; active: {Activated}, retired: {RetiredVersion}")]
    public static partial void Built(this ILogger logger, int version, string table, long rows, int dims, double copySeconds, double indexSeconds,
        double switchSeconds, bool activated, int? retiredVersion);

    [LoggerMessage(LogLevel.Warning, "Building whitening version {Version} failed; removing it")]
    public static partial void BuildFailed(this ILogger logger, Exception exception, int version);

    [LoggerMessage(LogLevel.Information, "Activated whitening version {Version} (rebuilt: {Rebuilt}); retired version {RetiredVersion}")]
    public static partial void Activated(this ILogger logger, int version, bool rebuilt, int? retiredVersion);

    [LoggerMessage(LogLevel.Information, "A chunk was deleted while whitening version {Version} caught up; switching again")]
    public static partial void SwitchingAgain(this ILogger logger, int version);

    [LoggerMessage(LogLevel.Information, "Whitening version {Version} caught up at the switch: {Removed} stale rows removed, {Added} added")]
    public static partial void CaughtUp(this ILogger logger, int version, int removed, int added);

    [LoggerMessage(LogLevel.Warning, "Could not release the build lock of whitening version {Version}")]
    public static partial void UnlockFailed(this ILogger logger, Exception exception, int version);

    [LoggerMessage(LogLevel.Warning, "Whitening version {Version} is no longer a failed build; its table {Table} is kept")]
    public static partial void NoLongerFailed(this ILogger logger, int version, string table);

    [LoggerMessage(LogLevel.Warning, "Could not clean up after a failed whitening build; DropAbandonedBuildsAsync will retry")]
    public static partial void CleanUpFailed(this ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Warning, "Could not drop retired whitening tables; the next fit or activation retries")]
    public static partial void DropRetiredFailed(this ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "Dropped {Table} of retired whitening version {Version}")]
    public static partial void DroppedRetired(this ILogger logger, string table, int version);

    [LoggerMessage(LogLevel.Information, "{Table} of retired whitening version {Version} is still being read; dropping it later")]
    public static partial void RetiredStillRead(this ILogger logger, string table, int version);

    [LoggerMessage(LogLevel.Warning, "Whitening version {Version} was left half-built by a process that stopped; dropped {Table} and retired it")]
    public static partial void DroppedAbandoned(this ILogger logger, int version, string table);

    [LoggerMessage(LogLevel.Debug, "Whitening version {OldVersion} was dropped during a search; retrying on {NewVersion}")]
    public static partial void DroppedDuringSearch(this ILogger logger, int? oldVersion, int? newVersion);
}
