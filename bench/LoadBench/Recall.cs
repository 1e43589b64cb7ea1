using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Pgvector;

namespace LoadBench;

/// <summary>Recall@10 of one table's HNSW index against exact search, and what each costs per query.</summary>
internal sealed record RecallResult(string Table, int Dimensions, int EfSearch, int Queries, double RecallAt10, double HnswMs, double ExactMs, string HnswPlan, string ExactPlan);

/// <summary>
/// Top-10 through the HNSW index (<c>hnsw.ef_search</c> and <c>hnsw.iterative_scan</c> set as the service sets
/// them; sequential scans off, so a small table is not scanned instead) against the exact top-10 of the same
/// table (index scans off: a scan and a sort), for the same query vectors.
/// </summary>
internal static class Recall
{
    private const int K = 10;

    /// <param name="orderBy">The distance expression the index covers, e.g. <c>embedding</c> or <c>(embedding::vector(384))</c>.</param>
    /// <param name="from">Table and filter, e.g. <c>chunk_embeddings WHERE model_id = 1</c>; integers and checked names only.</param>
    public static async Task<RecallResult> MeasureAsync(NpgsqlDataSource dataSource, string table, int dimensions, string from, string orderBy,
        IReadOnlyList<float[]> queries, int efSearch)
    {
        var sql = $"SELECT chunk_id FROM {from} ORDER BY {orderBy} <=> @q LIMIT {K}";
        double hits = 0;
        var hnswTime = TimeSpan.Zero;
        var exactTime = TimeSpan.Zero;
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var query in queries)
        {
            var (approximate, approximateTime) = await TopAsync(connection, sql, query, efSearch, exact: false);
            var (exact, exactElapsed) = await TopAsync(connection, sql, query, efSearch, exact: true);
            hits += exact.Intersect(approximate).Count() / (double)K;
            hnswTime += approximateTime;
            exactTime += exactElapsed;
        }
        return new RecallResult(table, dimensions, efSearch, queries.Count, hits / queries.Count,
            hnswTime.TotalMilliseconds / queries.Count, exactTime.TotalMilliseconds / queries.Count,
            await PlanAsync(connection, sql, queries[0], efSearch, exact: false), await PlanAsync(connection, sql, queries[0], efSearch, exact: true));
    }

    private static async Task<(List<long> Ids, TimeSpan Elapsed)> TopAsync(NpgsqlConnection connection, string sql, float[] query, int efSearch, bool exact)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await ConfigureAsync(connection, transaction, efSearch, exact);
        var clock = Stopwatch.StartNew();
        var ids = new List<long>(K);
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            command.Parameters.AddWithValue("q", new Vector(query));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt64(0));
            }
        }
        var elapsed = clock.Elapsed;
        await transaction.CommitAsync();
        return (ids, elapsed);
    }

    /// <summary>The plan's scan node, to show that the approximate query used the HNSW index and the exact one did not.</summary>
    private static async Task<string> PlanAsync(NpgsqlConnection connection, string sql, float[] query, int efSearch, bool exact)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await ConfigureAsync(connection, transaction, efSearch, exact);
        await using var command = new NpgsqlCommand("EXPLAIN (COSTS OFF) " + sql, connection, transaction);
        command.Parameters.AddWithValue("q", new Vector(query));
        var lines = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0).Trim().TrimStart('-', '>', ' '));
            }
        }
        await transaction.RollbackAsync();
        return lines.FirstOrDefault(l => l.Contains("Scan", StringComparison.Ordinal)) ?? string.Join(" / ", lines);
    }

    private static async Task ConfigureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int efSearch, bool exact)
    {
        await using var command = new NpgsqlCommand("""
            SELECT set_config('hnsw.ef_search', @ef, true), set_config('hnsw.iterative_scan', 'relaxed_order', true),
                   set_config('enable_indexscan', @indexScan, true), set_config('enable_seqscan', @seqScan, true)
            """, connection, transaction);
        command.Parameters.AddWithValue("ef", efSearch.ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("indexScan", exact ? "off" : "on");
        command.Parameters.AddWithValue("seqScan", exact ? "on" : "off");
        await command.ExecuteNonQueryAsync();
    }
}
