using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// This node's Lucene keyword index in <c>/healthz</c>: degraded while it is being built (PostgreSQL ranks meanwhile) or
/// when it has not been current for <see cref="MaxLag"/> (the store cannot be read: it serves what it holds).
/// </summary>
public sealed class KeywordIndexHealthCheck(LuceneKeywordIndex index, IOptions<SearchOptions> options, TimeProvider time) : IHealthCheck
{
    /// <summary>Ten polls, and at least 5 s: a poll that takes a little longer is not an incident.</summary>
    private TimeSpan MaxLag => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, 10 * options.Value.KeywordIndexRefresh.Ticks));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lag = index.LagAt(time.GetUtcNow());
        var data = new Dictionary<string, object>
        {
            ["ready"] = index.IsReady,
            ["generation"] = index.AppliedGeneration,
            ["posts"] = index.Documents,
        };
        if (lag is { } seconds)
        {
            data["lagSeconds"] = Math.Round(seconds.TotalSeconds, 3);
        }
        var result = !index.IsReady
            ? HealthCheckResult.Degraded("the keyword index is being built; keyword ranking runs in PostgreSQL meanwhile", data: data)
            : lag > MaxLag
                ? HealthCheckResult.Degraded($"the keyword index has not caught up with the store for {lag.Value.TotalSeconds:F0} s", data: data)
                : HealthCheckResult.Healthy("current", data);
        return Task.FromResult(result);
    }
}
