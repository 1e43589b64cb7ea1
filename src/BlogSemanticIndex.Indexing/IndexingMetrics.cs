using System.Diagnostics.Metrics;

namespace BlogSemanticIndex.Indexing;

/// <summary>
/// The indexer's instruments (meter <c>BlogSemanticIndex.Indexing</c>). They count for the whole process, whatever
/// run records them; a host exports them (<c>bsi serve</c>: Prometheus at <c>/metrics</c>).
/// </summary>
public static class IndexingMetrics
{
    public const string MeterName = "BlogSemanticIndex.Indexing";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Chunk texts run through the encoder (reused vectors are not counted).</summary>
    public static readonly Counter<long> EmbeddedChunks = Meter.CreateCounter<long>(
        "bsi.indexer.embedded_chunks", "{chunk}", "Chunk texts the indexer ran through the encoder.");

    /// <summary>Time spent inside the encoder; with <see cref="EmbeddedChunks"/> it gives the embedding throughput.</summary>
    public static readonly Counter<double> EmbeddingTime = Meter.CreateCounter<double>(
        "bsi.indexer.embedding_time", "s", "Time the indexer spent inside the encoder.");
}
