using System.Diagnostics.Metrics;
using BlogSemanticIndex.Analytics;
using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Search;
using Prometheus;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>
/// Exports the indexing and search libraries' <see cref="System.Diagnostics.Metrics"/> instruments as Prometheus
/// metrics with fixed names, from the moment the host starts.
/// </summary>
/// <remarks>
/// Not prometheus-net's MeterAdapter: it publishes .NET counters as gauges and drops a series after five minutes without
/// a measurement, so the counters of an indexer idle between edits would vanish and <c>rate()</c> would miss their
/// increments. The adapter still exports every other meter (ASP.NET Core, Npgsql, the runtime).
/// </remarks>
internal sealed class LibraryMetricsExporter : IDisposable
{
    private delegate void Export(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    private readonly MeterListener _listener = new();
    private readonly Dictionary<Instrument, Export> _exports;

    public LibraryMetricsExporter()
    {
        var embeddedChunks = Metrics.CreateCounter("bsi_embedded_chunks_total", "Chunk texts the indexer ran through the encoder.");
        var embeddingSeconds = Metrics.CreateCounter("bsi_embedding_seconds_total", "Seconds the indexer spent inside the encoder.");
        var searches = Metrics.CreateCounter("bsi_search_requests_total", "Searches answered by GET /search, by mode and outcome.",
            SearchMetrics.ModeTag, SearchMetrics.OutcomeTag);
        var queryEmbedding = Metrics.CreateHistogram("bsi_query_embedding_seconds", "Time to embed a search query.",
            new HistogramConfiguration { Buckets = MetricsEndpoint.LatencyBuckets });
        var searchLogDropped = Metrics.CreateCounter("bsi_search_log_dropped_total",
            "Search log entries dropped: the queue was full or the index database refused the batch.");
        var rankingCacheHits = Metrics.CreateCounter("bsi_search_ranking_cache_hits_total", "Searches whose ranking came from the ranking cache.");
        var queryVectorCacheHits = Metrics.CreateCounter("bsi_search_query_vector_cache_hits_total",
            "Query vectors that came from the query vector cache (the encoder did not run).");
        _exports = new Dictionary<Instrument, Export>
        {
            [SearchMetrics.QueryVectorCacheHits] = (value, _) => queryVectorCacheHits.Inc(value),
            [SearchLog.DroppedEntries] = (value, _) => searchLogDropped.Inc(value),
            [IndexingMetrics.EmbeddedChunks] = (value, _) => embeddedChunks.Inc(value),
            [IndexingMetrics.EmbeddingTime] = (value, _) => embeddingSeconds.Inc(value),
            [SearchMetrics.Searches] = (value, tags) =>
                searches.WithLabels(TagValue(tags, SearchMetrics.ModeTag), TagValue(tags, SearchMetrics.OutcomeTag)).Inc(value),
            [SearchMetrics.QueryEmbeddingDuration] = (value, _) => queryEmbedding.Observe(value),
            [SearchMetrics.RankingCacheHits] = (value, _) => rankingCacheHits.Inc(value),
        };

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_exports.ContainsKey(instrument))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _exports[instrument](value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _exports[instrument](value, tags));
        _listener.Start();
    }

    /// <summary>Whether the instrument belongs to a meter this exporter owns (so the MeterAdapter leaves it alone).</summary>
    public static bool IsLibraryInstrument(Instrument instrument) =>
        instrument.Meter.Name is IndexingMetrics.MeterName or SearchMetrics.MeterName or SearchLog.MeterName;

    private static string TagValue(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString() ?? "";
            }
        }
        return "";
    }

    public void Dispose() => _listener.Dispose();
}
