using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.NodeIndexes;

/// <summary>
/// A <see cref="NodeIndex"/> in <c>/healthz</c>: degraded while it is being built (PostgreSQL serves meanwhile) or when
/// it has not been current for <see cref="MaxLag"/> (the store cannot be read: it serves what it holds).
/// </summary>
public sealed class NodeIndexHealthCheck<TIndex>(TIndex index, IOptions<SearchOptions> options, TimeProvider time) : IHealthCheck
    where TIndex : NodeIndex
{
    /// <summary>Ten polls, and at least 5 s: a poll that takes a little longer is not an incident.</summary>
    private TimeSpan MaxLag => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, 10 * options.Value.KeywordIndexRefresh.Ticks));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lag = index.LagAt(time.GetUtcNow());
        var (unit, count) = index.Size;
        var data = new Dictionary<string, object>
        {
            ["ready"] = index.IsReady,
            ["generation"] = index.AppliedGeneration,
            [unit] = count,
        };
        if (lag is { } seconds)
        {
            data["lagSeconds"] = Math.Round(seconds.TotalSeconds, 3);
        }
        var result = !index.IsReady
            ? HealthCheckResult.Degraded($"the {index.Name} is being built; {index.FallbackWhileBuilding} meanwhile", data: data)
            : lag > MaxLag
                ? HealthCheckResult.Degraded($"the {index.Name} has not caught up with the store for {lag.Value.TotalSeconds:F0} s", data: data)
                : HealthCheckResult.Healthy("current", data);
        return Task.FromResult(result);
    }
}
