using System.Text.Json;
using BlogSemanticIndex.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlogSemanticIndex.Service.Hosting;

internal static class HealthEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary><c>GET /healthz</c>: 200 when healthy or degraded, 503 when unhealthy, with each check as JSON.</summary>
    public static void MapHealthEndpoint(this WebApplication app) =>
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = async (context, report) =>
            {
                var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                context.Response.ContentType = "application/json";
                var body = new
                {
                    status = report.Status.ToString().ToLowerInvariant(),
                    durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
                    checks = report.Entries.ToDictionary(e => e.Key, e => Describe(e.Value, now)),
                };
                await context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
            },
        });

    /// <summary>
    /// A check's status, description and data, with its age (since its run started; at most about a second, see
    /// <see cref="CachedHealthCheck"/>) and the duration of that run.
    /// </summary>
    private static object Describe(HealthReportEntry entry, DateTimeOffset now)
    {
        var measurement = entry.Data.TryGetValue(HealthMeasurement.DataKey, out var value) ? (HealthMeasurement)value : null;
        return new
        {
            status = entry.Status.ToString().ToLowerInvariant(),
            description = entry.Description,
            ageMs = measurement is null ? 0 : Math.Round(Math.Max(0, (now - measurement.At).TotalMilliseconds), 1),
            durationMs = Math.Round((measurement?.Duration ?? entry.Duration).TotalMilliseconds, 1),
            data = entry.Data.Where(d => d.Key != HealthMeasurement.DataKey).ToDictionary(),
        };
    }
}

/// <summary>
/// Runs a health check within <see cref="Limit"/>, so <c>/healthz</c> answers within a second whatever a dependency
/// does: a wedged database accepts connections and never replies, and the driver's own timeouts are 15–30 s.
/// </summary>
internal static class HealthBudget
{
    public static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(800);

    public static async Task<HealthCheckResult> RunAsync(string what, HealthStatus failureStatus,
        Func<CancellationToken, Task<HealthCheckResult>> check, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Limit);
        try
        {
            // WaitAsync returns on time even when the check does not honour its token at once (the abandoned check
            // ends on its own when its cancellation reaches the driver).
            return await check(budget.Token).WaitAsync(Limit, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await budget.CancelAsync();
            return new HealthCheckResult(failureStatus, $"{what} did not answer within {Limit.TotalSeconds:0.#} s");
        }
    }
}

/// <summary>The index database answers, and its schema matches this build's migrations (a read of schema_migrations only).</summary>
internal sealed class IndexDatabaseHealthCheck(MigrationRunner migrations, IndexStoreOptions options) : IHealthCheck
{
    private readonly Lazy<int[]> _known = new(() => migrations.ReadMigrations().Select(m => m.Version).ToArray());

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        HealthBudget.RunAsync("the index database", HealthStatus.Unhealthy, async ct =>
        {
            try
            {
                var applied = await migrations.ReadAppliedAsync(ct);
                var pending = _known.Value.Count(v => applied.All(a => a.Version != v));
                var data = new Dictionary<string, object>
                {
                    ["schemaVersion"] = applied.Count == 0 ? 0 : applied.Max(a => a.Version),
                    ["pendingMigrations"] = pending,
                };
                return pending > 0
                    ? HealthCheckResult.Degraded($"{pending} migrations pending", data: data)
                    : HealthCheckResult.Healthy("index database reachable, schema up to date", data);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(IndexDataSource.DescribeConnectionFailure(options.ConnectionString, e));
            }
        }, cancellationToken);
}

/// <summary>
/// The blog's database answers and the three tables the indexer reads are readable. Degraded, not unhealthy, when
/// not: searches still answer from the index, which only stops following the blog.
/// </summary>
internal sealed class BlogSourceHealthCheck(BlogSemanticIndex.Sources.ITypechoSource source) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        HealthBudget.RunAsync("the blog's database", HealthStatus.Degraded, async ct =>
        {
            var data = new Dictionary<string, object> { ["blog"] = source.Name, ["provider"] = source.Provider.ToString().ToLowerInvariant() };
            try
            {
                await source.VerifyAccessAsync(ct);
                return HealthCheckResult.Healthy("blog database readable", data);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                return HealthCheckResult.Degraded($"cannot read the blog's database: {e.Message}; the index stops following the blog", data: data);
            }
        }, cancellationToken);
}

/// <summary>
/// The keyword store in the index database answers: its corpus statistics (one row, kept by the indexer's triggers, V006) are readable.
/// Keyword search needs nothing else from the index database, so this is what tells whether it can answer.
/// </summary>
internal sealed class KeywordStoreHealthCheck(Npgsql.NpgsqlDataSource dataSource, IndexStoreOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        HealthBudget.RunAsync("the keyword index", HealthStatus.Unhealthy, async ct =>
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT docs, total_length FROM keyword_stats");
                await using var reader = await command.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct))
                {
                    return HealthCheckResult.Unhealthy("the keyword index has no statistics row (keyword_stats); run bsi migrate");
                }
                var docs = reader.GetInt64(0);
                var data = new Dictionary<string, object>
                {
                    ["posts"] = docs,
                    ["meanLength"] = docs == 0 ? 0 : Math.Round((double)reader.GetInt64(1) / docs, 1),
                };
                return HealthCheckResult.Healthy(docs == 0 ? "keyword index empty" : $"keyword index of {docs} posts", data);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
            {
                return HealthCheckResult.Unhealthy("the keyword index's tables are missing; run bsi migrate");
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(IndexDataSource.DescribeConnectionFailure(options.ConnectionString, e));
            }
        }, cancellationToken);
}
