using BlogSemanticIndex.Analytics;
using BlogSemanticIndex.TestSupport;
using Npgsql;

namespace BlogSemanticIndex.Analytics.Tests;

/// <summary>The owner's report over a real search log (the product's migrations in a schema of its own).</summary>
public sealed class SearchAnalyticsTests : IAsyncLifetime
{
    private static readonly AnalyticsLogging Logging = new(true, 90, 0);
    private TestIndexDatabase _database = null!;
    // Rows are written relative to the database's clock, since the purge and the report both compare with now().
    private DateTimeOffset _now;

    public async Task InitializeAsync()
    {
        _database = await TestIndexDatabase.CreateAsync();
        await using var command = _database.DataSource.CreateCommand("SELECT now()");
        _now = new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!);
    }

    private SearchLogEntry Search(string query, int? total, int latencyMs, TimeSpan ago, string outcome = SearchOutcomes.Ok) =>
        new(_now - ago, query, "hybrid", total, latencyMs, outcome);

    private async Task ClickAsync(string query, long cid, TimeSpan ago) =>
        await new SearchAnalytics(_database.DataSource).RecordClickAsync(query, cid, _now - ago);

    [Fact]
    public async Task The_report_counts_days_top_zero_result_and_unclicked_queries_outcomes_and_latency()
    {
        var hour = TimeSpan.FromHours(1);
        await SearchLogWriter.WriteAsync(_database.DataSource, [
            Search("Kubernetes", 5, 10, hour),
            Search("  kubernetes ", 5, 20, 2 * hour),
            Search("KUBERNETES", 5, 30, 3 * hour),
            Search("新词发现", 2, 40, hour),
            Search("新词发现", 2, 50, 2 * hour),
            Search("kubernets", 0, 60, hour),
            Search("kubernets", 0, 70, 2 * hour),
            Search("rss", 4, 1000, hour, SearchOutcomes.Degraded),
            Search("anything", null, 5, hour, SearchOutcomes.Error),
            new SearchLogEntry(_now - hour, "fallback only", "keyword", 0, null, SearchOutcomes.Fallback, "timeout"),
            Search("too old", 1, 1, TimeSpan.FromDays(10)),
        ], CancellationToken.None);
        await ClickAsync("kubernetes", 12, hour);
        await ClickAsync("Kubernetes", 12, hour);
        await ClickAsync("新词发现", 5, TimeSpan.FromDays(10));

        var report = await new SearchAnalytics(_database.DataSource).ReadAsync(3, 10, TimeZoneInfo.Utc, Logging, _now);

        Assert.Equal(10, report.Searches);
        Assert.Equal(new OutcomeCounts(7, 1, 1, 1), report.Outcomes);
        Assert.Equal(0.1, report.FallbackShare);
        Assert.Equal(0.1, report.DegradedShare);
        Assert.Equal(2, report.Clicks);
        // Latency over the service's nine answers: 5 10 20 30 40 50 60 70 1000.
        Assert.Equal(new LatencySummary(40, 1000), report.LatencyMs);
        Assert.Equal(3, report.PerDay.Count);
        Assert.Equal(report.Searches, report.PerDay.Sum(d => d.Searches));
        Assert.Equal(3, report.PerDay.Sum(d => d.ZeroResults));
        Assert.Equal(DateOnly.FromDateTime(_now.UtcDateTime), report.PerDay[^1].Day);

        var top = report.TopQueries[0];
        Assert.Equal(("Kubernetes", 3L, 0L, 2L), (top.Query, top.Searches, top.ZeroResults, top.Clicks));
        // Zero results whether the service or the plugin's fallback answered; an error is no answer, so not counted.
        Assert.Equal([("kubernets", 2L), ("fallback only", 1L)], report.ZeroResultQueries.Select(q => (q.Query, q.Searches)));
        // 新词发现 was clicked, but before the period; Kubernetes was clicked in it.
        Assert.Equal(["新词发现", "rss"], report.NoClickQueries.Select(q => q.Query));
    }

    [Fact]
    public async Task Days_are_calendar_days_in_the_asked_time_zone()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var localMidnight = new DateTimeOffset(TimeZoneInfo.ConvertTime(_now, shanghai).Date, TimeSpan.FromHours(8));
        await SearchLogWriter.WriteAsync(_database.DataSource, [
            new SearchLogEntry(localMidnight.AddMinutes(1), "today in Shanghai", "hybrid", 1, 1, SearchOutcomes.Ok),
            new SearchLogEntry(localMidnight.AddMinutes(-1), "yesterday in Shanghai", "hybrid", 1, 1, SearchOutcomes.Ok),
        ], CancellationToken.None);

        var report = await new SearchAnalytics(_database.DataSource).ReadAsync(2, 10, shanghai, Logging, _now);

        Assert.Equal(localMidnight.AddDays(-1), report.From);
        Assert.Equal([1L, 1L], report.PerDay.Select(d => d.Searches));
        Assert.Equal(DateOnly.FromDateTime(localMidnight.DateTime), report.PerDay[1].Day);
    }

    [Fact]
    public async Task An_empty_log_reports_zeros_and_no_latency()
    {
        var report = await new SearchAnalytics(_database.DataSource).ReadAsync(7, 10, TimeZoneInfo.Utc, Logging, _now);

        Assert.Equal(0, report.Searches);
        Assert.Null(report.LatencyMs);
        Assert.Equal(0, report.FallbackShare);
        Assert.Equal(7, report.PerDay.Count);
        Assert.All(report.PerDay, d => Assert.Equal(0, d.Searches));
        Assert.Empty(report.TopQueries);
    }

    [Fact]
    public async Task The_purge_keeps_the_retention_period_and_retention_zero_empties_the_log()
    {
        await SearchLogWriter.WriteAsync(_database.DataSource, [Search("new", 1, 1, TimeSpan.FromDays(1)), Search("old", 1, 1, TimeSpan.FromDays(31))],
            CancellationToken.None);
        await ClickAsync("old", 3, TimeSpan.FromDays(31));
        await ClickAsync("new", 3, TimeSpan.FromDays(1));

        Assert.Equal(2, await SearchLogRetention.PurgeAsync(_database.DataSource, 30));
        Assert.Equal(["new"], await QueriesAsync("search_log"));
        Assert.Equal(["new"], await QueriesAsync("search_clicks"));
        Assert.Equal(2, await SearchLogRetention.PurgeAsync(_database.DataSource, 0));
        Assert.Empty(await QueriesAsync("search_log"));
    }

    [Fact]
    public async Task The_log_has_no_column_for_the_visitors_address()
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN ('search_log', 'search_clicks')");
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        Assert.Contains("query", columns);
        Assert.DoesNotContain(columns, c => c.Contains("ip") || c.Contains("addr") || c.Contains("client") || c.Contains("agent"));
    }

    private async Task<List<string>> QueriesAsync(string table)
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT query FROM {table} ORDER BY query");
        var queries = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            queries.Add(reader.GetString(0));
        }
        return queries;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();
}
