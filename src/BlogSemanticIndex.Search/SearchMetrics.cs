using System.Diagnostics.Metrics;

namespace BlogSemanticIndex.Search;

/// <summary>
/// The search's instruments (meter <c>BlogSemanticIndex.Search</c>); a host exports them (<c>bsi serve</c>: Prometheus
/// at <c>/metrics</c>). Request latency per route is the host's HTTP metrics; these add what only the search knows.
/// </summary>
public static class SearchMetrics
{
    public const string MeterName = "BlogSemanticIndex.Search";

    /// <summary>Tag of <see cref="Searches"/>: hybrid, semantic, keyword, or unknown (a mode that failed validation).</summary>
    public const string ModeTag = "mode";

    /// <summary>Tag of <see cref="Searches"/>: one of the <c>Outcome*</c> constants.</summary>
    public const string OutcomeTag = "outcome";

    public const string OutcomeOk = "ok";

    /// <summary>Hybrid answered with keyword results only, because the semantic leg could not run.</summary>
    public const string OutcomeDegraded = "degraded";

    /// <summary>A parameter was rejected (400).</summary>
    public const string OutcomeInvalid = "invalid";

    /// <summary>The index store or the semantic leg could not answer (503).</summary>
    public const string OutcomeUnavailable = "unavailable";

    public const string UnknownMode = "unknown";

    private static readonly Meter Meter = new(MeterName);

    /// <summary><c>GET /search</c> requests that reached the handler, by <see cref="ModeTag"/> and <see cref="OutcomeTag"/>.</summary>
    public static readonly Counter<long> Searches = Meter.CreateCounter<long>(
        "bsi.search.requests", "{request}", "Searches answered, by mode and outcome.");

    /// <summary>Time to embed one query (the semantic leg's encoder call).</summary>
    public static readonly Histogram<double> QueryEmbeddingDuration = Meter.CreateHistogram<double>(
        "bsi.search.query_embedding.duration", "s", "Time to embed a search query.");

    /// <summary>Searches answered from <see cref="RankingCache"/> (the legs did not run).</summary>
    public static readonly Counter<long> RankingCacheHits = Meter.CreateCounter<long>(
        "bsi.search.ranking_cache.hits", "{request}", "Searches whose ranking came from the ranking cache.");

    /// <summary>Query embeddings answered from <see cref="CachingQueryEmbedder"/> (the encoder did not run).</summary>
    public static readonly Counter<long> QueryVectorCacheHits = Meter.CreateCounter<long>(
        "bsi.search.query_vector_cache.hits", "{query}", "Query vectors that came from the query vector cache.");
}
