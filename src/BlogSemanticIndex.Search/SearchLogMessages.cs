using Microsoft.Extensions.Logging;

namespace BlogSemanticIndex.Search;

/// <summary>The search project's log lines, as source-generated <see cref="LoggerMessageAttribute"/> methods.</summary>
internal static partial class SearchLogMessages
{
    private const string NodeIndexBehindMessage =
        "The {Index} could not catch up with the store; searches use it as it is (or PostgreSQL before its first build)";

    [LoggerMessage(LogLevel.Warning, "The index database is unavailable ({Reason}); requests answer 503 until it is back")]
    public static partial void IndexStoreDown(this ILogger logger, string reason);

    [LoggerMessage(LogLevel.Information, "The index database is back after {Seconds:0.#} s; {FailedRequests} requests answered 503 meanwhile")]
    public static partial void IndexStoreBack(this ILogger logger, double seconds, int failedRequests);

    [LoggerMessage(LogLevel.Information, "The {Index} is current again (generation {Generation})")]
    public static partial void NodeIndexCurrentAgain(this ILogger logger, string index, long generation);

    [LoggerMessage(LogLevel.Warning, NodeIndexBehindMessage + ": {Reason}")]
    public static partial void NodeIndexBehind(this ILogger logger, string index, string reason);

    [LoggerMessage(LogLevel.Warning, NodeIndexBehindMessage)]
    public static partial void NodeIndexBehind(this ILogger logger, Exception exception, string index);

    [LoggerMessage(LogLevel.Information, "Keyword index built: {Posts} posts at generation {Generation} in {Seconds:F1} s")]
    public static partial void KeywordIndexBuilt(this ILogger logger, int posts, long generation, double seconds);

    [LoggerMessage(LogLevel.Information,
        "Vector index built: {Chunks} chunks of model {Model}, whitening version {Whitening}, at generation {Generation} in {Seconds:F1} s; " +
        "{Orphans} of them no search through the graph reaches, compared with every query instead")]
    public static partial void VectorIndexBuilt(this ILogger logger, int chunks, int model, int whitening, long generation, double seconds, int orphans);

    [LoggerMessage(LogLevel.Information,
        "Vector index taken up from {Folder}: {Chunks} chunks of model {Model}, whitening version {Whitening}, caught up to generation {Generation} in {Seconds:F1} s")]
    public static partial void VectorIndexResumed(this ILogger logger, string folder, int chunks, int model, int whitening, long generation, double seconds);

    [LoggerMessage(LogLevel.Information, "Vector index not taken up from {Folder} ({Reason}); building it")]
    public static partial void VectorIndexNotResumed(this ILogger logger, string folder, string reason);

    [LoggerMessage(LogLevel.Information, "Vector index saved to {Folder} at generation {Generation} in {Seconds:F1} s")]
    public static partial void VectorIndexSaved(this ILogger logger, string folder, long generation, double seconds);

    [LoggerMessage(LogLevel.Warning, "Vector index could not be saved to {Folder}; a restart will build it again")]
    public static partial void VectorIndexNotSaved(this ILogger logger, Exception exception, string folder);

    [LoggerMessage(LogLevel.Information, "Keyword index: {PostCount} posts indexed so far")]
    public static partial void KeywordPostsIndexed(this ILogger logger, int postCount);

    [LoggerMessage(LogLevel.Warning, "Semantic leg unavailable, answering with keyword results only: {Reason}")]
    public static partial void SemanticLegUnavailable(this ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "Relevance floor of model {Model}, whitening version {Whitening} could not be computed; searches run without it")]
    public static partial void FloorFailed(this ILogger logger, Exception exception, int model, int whitening);
}
