using BlogSemanticIndex.Search.NodeIndexes;
using Prometheus;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>Gauges of one of this node's own indexes (keyword, vector), read from it (in memory) at each scrape.</summary>
/// <param name="prefix">The gauges' name prefix: <c>bsi_keyword_index</c>, <c>bsi_vector_index</c>.</param>
internal sealed class NodeIndexMetrics(string prefix, NodeIndex index)
{
    private static readonly GaugeConfiguration Unpublished = new() { SuppressInitialValue = true };

    private readonly Gauge _ready = Metrics.CreateGauge($"{prefix}_ready",
        $"1 once this node's {index.Name} is built (before that, {index.FallbackWhileBuilding}), else 0.");
    private readonly Gauge _lag = Metrics.CreateGauge($"{prefix}_lag_seconds",
        $"Seconds since this node's {index.Name} was last known to hold every committed change; absent until its first build.", Unpublished);
    private readonly Gauge _generation = Metrics.CreateGauge($"{prefix}_generation",
        $"The index generation this node's {index.Name} holds (compare across nodes).", Unpublished);
    private readonly Gauge _size = Metrics.CreateGauge($"{prefix}_{index.Size.Unit}", $"{index.Size.Unit} in this node's {index.Name}.", Unpublished);

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
            _size.Set(index.Size.Count);
        }
    }
}
