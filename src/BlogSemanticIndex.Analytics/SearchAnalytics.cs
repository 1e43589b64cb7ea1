using Npgsql;

namespace BlogSemanticIndex.Analytics;

public sealed record AnalyticsLogging(bool Enabled, int RetentionDays, long Dropped);
public sealed record OutcomeCounts(long Ok, long Degraded, long Error, long Fallback);
public sealed record LatencySummary(int P50, int P95);
public sealed record DayCounts(DateOnly Day, long Searches, long ZeroResults, long Fallbacks, long Clicks);
public sealed record TopQuery(string Query, long Searches, long ZeroResults, long Clicks, DateTimeOffset LastAt);
public sealed record QueryCount(string Query, long Searches, DateTimeOffset LastAt);

/// <summary>The body of <c>GET /admin/analytics</c>.</summary>
public sealed record AnalyticsReport(
    int Days,
    string TimeZone,
    DateTimeOffset From,
    DateTimeOffset To,
    AnalyticsLogging Logging,
    long Searches,
    OutcomeCounts Outcomes,
    double FallbackShare,
    double DegradedShare,
    double ErrorShare,
    LatencySummary? LatencyMs,
    long Clicks,
    IReadOnlyList<DayCounts> PerDay,
    IReadOnlyList<TopQuery> TopQueries,
    IReadOnlyList<QueryCount> ZeroResultQueries,
    IReadOnlyList<QueryCount> NoClickQueries);

/// <summary>Reads the owner's view of the search log: a period of whole calendar days in a time zone.</summary>
public sealed class SearchAnalytics(NpgsqlDataSource dataSource)
{
    public const int MaxDays = 365;
    public const int MaxTop = 100;

    public async Task<AnalyticsReport> ReadAsync(int days, int top, TimeZoneInfo zone, AnalyticsLogging logging, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var firstDay = today.AddDays(1 - days);
        var firstDayStart = firstDay.ToDateTime(TimeOnly.MinValue);
        var from = new DateTimeOffset(firstDayStart, zone.GetUtcOffset(firstDayStart));

        // Npgsql sends timestamptz parameters only from UTC offsets; the report keeps the zone's.
        var since = from.ToUniversalTime();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (searches, outcomes, latency, clicks) = await ReadTotalsAsync(connection, since, cancellationToken);
        var perDay = await ReadPerDayAsync(connection, since, zone.Id, cancellationToken);
        var report = new AnalyticsReport(
            days, zone.Id, from, now, logging, searches, outcomes,
            Share(outcomes.Fallback, searches), Share(outcomes.Degraded, searches), Share(outcomes.Error, searches),
            latency, clicks,
            Enumerable.Range(0, days).Select(i => firstDay.AddDays(i))
                .Select(day => perDay.TryGetValue(day, out var counts) ? counts : new DayCounts(day, 0, 0, 0, 0)).ToList(),
            await ReadTopQueriesAsync(connection, since, top, cancellationToken),
            await ReadQueryCountsAsync(connection, ZeroResultQueriesSql, since, top, cancellationToken),
            await ReadQueryCountsAsync(connection, NoClickQueriesSql, since, top, cancellationToken));
        return report;
    }

    private static double Share(long part, long whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 4);

    private static async Task<(long, OutcomeCounts, LatencySummary?, long)> ReadTotalsAsync(NpgsqlConnection connection, DateTimeOffset from,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE outcome = 'ok'),
                   count(*) FILTER (WHERE outcome = 'degraded'),
                   count(*) FILTER (WHERE outcome = 'error'),
                   count(*) FILTER (WHERE outcome = 'fallback'),
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE outcome <> 'fallback'),
                   percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE outcome <> 'fallback'),
                   (SELECT count(*) FROM search_clicks WHERE at >= $1)
            FROM search_log WHERE at >= $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var outcomes = new OutcomeCounts(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        var latency = reader.IsDBNull(5) ? null : new LatencySummary(reader.GetInt32(5), reader.GetInt32(6));
        return (reader.GetInt64(0), outcomes, latency, reader.GetInt64(7));
    }

    private static async Task<Dictionary<DateOnly, DayCounts>> ReadPerDayAsync(NpgsqlConnection connection, DateTimeOffset from, string zone,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            WITH searches AS (
                SELECT (at AT TIME ZONE $2)::date AS day, count(*) AS searches,
                       count(*) FILTER (WHERE total = 0) AS zero, count(*) FILTER (WHERE outcome = 'fallback') AS fallbacks
                FROM search_log WHERE at >= $1 GROUP BY 1),
            clicks AS (SELECT (at AT TIME ZONE $2)::date AS day, count(*) AS clicks FROM search_clicks WHERE at >= $1 GROUP BY 1)
            SELECT coalesce(s.day, c.day), coalesce(s.searches, 0), coalesce(s.zero, 0), coalesce(s.fallbacks, 0), coalesce(c.clicks, 0)
            FROM searches s FULL JOIN clicks c ON c.day = s.day
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = zone });
        var days = new Dictionary<DateOnly, DayCounts>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var day = reader.GetFieldValue<DateOnly>(0);
            days[day] = new DayCounts(day, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }
        return days;
    }

    private static async Task<IReadOnlyList<TopQuery>> ReadTopQueriesAsync(NpgsqlConnection connection, DateTimeOffset from, int top,
        CancellationToken cancellationToken)
    {
        // The text shown for a group is its latest spelling.
        await using var command = new NpgsqlCommand("""
            WITH groups AS (
                SELECT query_key, (array_agg(query ORDER BY at DESC))[1] AS query, count(*) AS searches,
                       count(*) FILTER (WHERE total = 0) AS zero, max(at) AS last_at
                FROM search_log WHERE at >= $1 GROUP BY query_key
                ORDER BY searches DESC, last_at DESC LIMIT $2)
            SELECT g.query, g.searches, g.zero,
                   (SELECT count(*) FROM search_clicks c WHERE c.query_key = g.query_key AND c.at >= $1), g.last_at
            FROM groups g ORDER BY g.searches DESC, g.last_at DESC
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = top });
        var queries = new List<TopQuery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            queries.Add(new TopQuery(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return queries;
    }

    // Searches that found nothing, whether the service or the plugin's fallback answered them.
    private const string ZeroResultQueriesSql = """
        SELECT (array_agg(query ORDER BY at DESC))[1], count(*), max(at)
        FROM search_log WHERE at >= $1 AND total = 0
        GROUP BY query_key ORDER BY count(*) DESC, max(at) DESC LIMIT $2
        """;

    // Queries that found something, yet no visitor opened a result from them.
    private const string NoClickQueriesSql = """
        SELECT (array_agg(l.query ORDER BY l.at DESC))[1], count(*), max(l.at)
        FROM search_log l
        WHERE l.at >= $1 AND l.total > 0
          AND NOT EXISTS (SELECT 1 FROM search_clicks c WHERE c.query_key = l.query_key AND c.at >= $1)
        GROUP BY l.query_key ORDER BY count(*) DESC, max(l.at) DESC LIMIT $2
        """;

    private static async Task<IReadOnlyList<QueryCount>> ReadQueryCountsAsync(NpgsqlConnection connection, string sql, DateTimeOffset from, int top,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = top });
        var queries = new List<QueryCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            queries.Add(new QueryCount(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return queries;
    }

    /// <summary>Records that a visitor opened post <paramref name="cid"/> from the results of <paramref name="query"/>.</summary>
    public async Task RecordClickAsync(string query, long cid, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO search_clicks (at, query, cid) VALUES ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cid });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
