using BlogSemanticIndex.Search.Keyword;
using Prometheus;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>Gauges of this node's Lucene keyword index, read from it (in memory) at each scrape.</summary>
internal sealed class KeywordIndexMetrics(LuceneKeywordIndex index)
{
    private static readonly GaugeConfiguration Unpublished = new() { SuppressInitialValue = true };

    private readonly Gauge _ready = Metrics.CreateGauge("bsi_keyword_index_ready",
        "1 once this node's Lucene keyword index is built (before that, keyword ranking runs in PostgreSQL), else 0.");
    private readonly Gauge _lag = Metrics.CreateGauge("bsi_keyword_index_lag_seconds",
        "Seconds since this node's keyword index was last known to hold every committed change; absent until its first build.", Unpublished);
    private readonly Gauge _generation = Metrics.CreateGauge("bsi_keyword_index_generation",
        "The index generation this node's keyword index holds (compare across nodes).", Unpublished);
    private readonly Gauge _posts = Metrics.CreateGauge("bsi_keyword_index_posts", "Posts in this node's keyword index.", Unpublished);

    public void Update()
    {
        _ready.Set(index.IsReady ? 1 : 0);
        if (index.LagAt(DateTimeOffset.UtcNow) is { } lag)
        {
            _lag.Set(lag.TotalSeconds);
        }
        if (index.IsReady)
        {
            _generation.Set(index.AppliedGeneration);
            _posts.Set(index.Documents);
        }
    }
}
