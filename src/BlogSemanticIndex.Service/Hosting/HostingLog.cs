namespace BlogSemanticIndex.Service.Hosting;

/// <summary>The hosting layer's log lines, as source-generated <see cref="LoggerMessageAttribute"/> methods.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(LogLevel.Warning, "Counting pending posts failed: {Reason}")]
    public static partial void CountingPendingFailed(this ILogger logger, string reason);

    [LoggerMessage(LogLevel.Information, "Encoder {Model}@{Revision} loaded: {Dimensions} dims, {Device} {Precision}")]
    public static partial void EncoderLoaded(this ILogger logger, string model, string revision, int dimensions, string device, string precision);

    [LoggerMessage(LogLevel.Information, "Query encoder loaded beside the indexer's: {Device} {Precision}, {Threads} intra-op thread(s)")]
    public static partial void QueryEncoderLoaded(this ILogger logger, string device, string precision, int threads);

    [LoggerMessage(LogLevel.Information, "Query precision measured on this CPU: {Chosen} (a pass of 1 and of 4 probe queries: fp32 {Fp32Ms} ms, bf16 {Bf16Ms} ms)")]
    public static partial void QueryPrecisionMeasured(this ILogger logger, string chosen, double fp32Ms, double bf16Ms);

    [LoggerMessage(LogLevel.Error, "Cannot load the encoder {Model}: {Reason}")]
    public static partial void EncoderLoadFailed(this ILogger logger, string model, string reason);

    [LoggerMessage(LogLevel.Warning, "Index status for /metrics could not be read: {Error}")]
    public static partial void StatusReadFailed(this ILogger logger, string error);
}
