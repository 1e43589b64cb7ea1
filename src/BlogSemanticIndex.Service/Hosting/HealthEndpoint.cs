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
                context.Response.ContentType = "application/json";
                var body = new
                {
                    status = report.Status.ToString().ToLowerInvariant(),
                    durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString().ToLowerInvariant(),
                        description = e.Value.Description,
                        data = e.Value.Data,
                    }),
                };
                await context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
            },
        });
}

/// <summary>The index database answers, and its schema matches this build's migrations.</summary>
internal sealed class IndexDatabaseHealthCheck(IndexStatusReader statusReader, IndexStoreOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await statusReader.ReadAsync(cancellationToken);
            var data = new Dictionary<string, object>
            {
                ["schemaVersion"] = status.SchemaVersion,
                ["pendingMigrations"] = status.PendingMigrations,
                ["posts"] = status.Posts,
                ["chunks"] = status.Chunks,
            };
            return status.PendingMigrations > 0
                ? HealthCheckResult.Degraded($"{status.PendingMigrations} migrations pending", data: data)
                : HealthCheckResult.Healthy("index database reachable, schema up to date", data);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(IndexDataSource.DescribeConnectionFailure(options.ConnectionString, e));
        }
    }
}
