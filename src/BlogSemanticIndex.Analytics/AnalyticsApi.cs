using static BlogSemanticIndex.Analytics.ApiParameters;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace BlogSemanticIndex.Analytics;

/// <summary>The body of <c>POST /admin/analytics/click</c>.</summary>
public sealed record ClickReport(string? Query, long Cid);

/// <summary>The body of <c>POST /admin/analytics/fallback</c>: a search the plugin answered itself.</summary>
public sealed record FallbackReport(string? Query, string? Mode, string? Reason, int? Total, DateTimeOffset? At);

/// <summary>
/// <c>GET /admin/analytics</c> and the plugin's click and fallback reports, mapped onto the host's <c>/admin</c> group
/// (which carries the token check and the admin rate limit).
/// </summary>
public static class AnalyticsApi
{
    public const int MaxQueryLength = 512;
    public const int MaxReasonLength = 200;
    private static readonly string[] Modes = ["hybrid", "semantic", "keyword"];

    public static RouteGroupBuilder MapAnalyticsApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/analytics", GetAnalyticsAsync).WithName("AdminAnalytics")
            .WithDescription("The search log over the last N days: searches per day, top, zero-result and no-click queries, fallback share, latency.");
        admin.MapPost("/analytics/click", PostClickAsync).WithName("AdminAnalyticsClick")
            .WithDescription("Record that a visitor opened a result of a query (sent by the plugin, server-side).");
        admin.MapPost("/analytics/fallback", PostFallbackAsync).WithName("AdminAnalyticsFallback")
            .WithDescription("Record a search the plugin answered itself because the service failed or was slow.");
        return admin;
    }

    private static async Task<Results<Ok<AnalyticsReport>, ValidationProblem, ProblemHttpResult>> GetAnalyticsAsync(
        [FromQuery(Name = "days")] string? days, [FromQuery(Name = "top")] string? top, [FromQuery(Name = "tz")] string? tz,
        SearchAnalytics analytics, SearchLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryParseBounded(days, 30, 1, SearchAnalytics.MaxDays, out var dayCount))
        {
            return Invalid("days", $"days must be a whole number from 1 to {SearchAnalytics.MaxDays}.");
        }
        if (!TryParseBounded(top, 20, 1, SearchAnalytics.MaxTop, out var topCount))
        {
            return Invalid("top", $"top must be a whole number from 1 to {SearchAnalytics.MaxTop}.");
        }
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrWhiteSpace(tz) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(tz.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return Invalid("tz", $"tz \"{tz}\" is not a known time zone; use an IANA name such as UTC or Asia/Shanghai.");
        }
        var logging = new AnalyticsLogging(log.Options.Enabled, log.Options.RetentionDays, log.Dropped);
        try
        {
            return TypedResults.Ok(await analytics.ReadAsync(dayCount, topCount, zone, logging, time.GetUtcNow(), cancellationToken));
        }
        catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unavailable();
        }
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> PostClickAsync(
        ClickReport report, SearchAnalytics analytics, SearchLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidQuery(report.Query) is { } invalid)
        {
            return invalid;
        }
        if (report.Cid <= 0)
        {
            return Invalid("cid", "cid must be a positive post id.");
        }
        return await StoreAsync(log, ct => analytics.RecordClickAsync(report.Query!.Trim(), report.Cid, time.GetUtcNow(), ct), cancellationToken);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> PostFallbackAsync(
        FallbackReport report, NpgsqlDataSource dataSource, SearchLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidQuery(report.Query) is { } invalid)
        {
            return invalid;
        }
        var mode = string.IsNullOrWhiteSpace(report.Mode) ? "hybrid" : report.Mode.Trim().ToLowerInvariant();
        if (!Modes.Contains(mode))
        {
            return Invalid("mode", $"mode \"{report.Mode}\" is unknown; allowed: {string.Join(", ", Modes)}.");
        }
        if (report.Reason is { Length: > MaxReasonLength })
        {
            return Invalid("reason", $"reason is {report.Reason.Length} characters; at most {MaxReasonLength} are allowed.");
        }
        if (report.Total is < 0)
        {
            return Invalid("total", "total must be 0 or more.");
        }
        var now = time.GetUtcNow();
        // A plugin may report a fallback late (it could not reach the service then), but not from the future or beyond the log's reach.
        if (report.At is { } at && (at > now.AddMinutes(5) || at < now.AddDays(-Math.Max(log.Options.RetentionDays, 1))))
        {
            return Invalid("at", $"at must lie within the last {log.Options.RetentionDays} days (Analytics:RetentionDays), not in the future.");
        }
        var entry = new SearchLogEntry(report.At ?? now, report.Query!.Trim(), mode, report.Total, null, SearchOutcomes.Fallback,
            string.IsNullOrWhiteSpace(report.Reason) ? null : report.Reason.Trim());
        return await StoreAsync(log, ct => SearchLogWriter.WriteAsync(dataSource, [entry], ct), cancellationToken);
    }

    /// <summary>Writes a report at once (the plugin learns whether it was kept); with the log off, accepts and keeps nothing.</summary>
    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> StoreAsync(
        SearchLog log, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        if (!log.Options.Enabled)
        {
            return TypedResults.NoContent();
        }
        try
        {
            await write(cancellationToken);
            return TypedResults.NoContent();
        }
        catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unavailable();
        }
    }

    private static ValidationProblem? InvalidQuery(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return Invalid("query", "query is required and must contain more than whitespace.");
        }
        if (query.Length > MaxQueryLength)
        {
            return Invalid("query", $"query is {query.Length} characters; at most {MaxQueryLength} are allowed.");
        }
        return null;
    }

    private static ProblemHttpResult Unavailable() =>
        TypedResults.Problem("The index store did not answer; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Analytics are unavailable");
}
