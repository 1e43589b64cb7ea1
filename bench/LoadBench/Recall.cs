using System.Diagnostics;
using System.Globalization;
using Npgsql;
using BlogSemanticIndex.Whitening;
using Pgvector;

namespace LoadBench;

/// <summary>Recall@10 of one table's HNSW index at one ef_search against exact search, and what each costs per query.</summary>
/// <param name="Unit">"chunks": the index's own top 10; "posts": the top 10 posts the semantic leg makes of its candidate rows.</param>
internal sealed record RecallResult(string Table, string Unit, int Dimensions, int EfSearch, int Queries, double RecallAt10, double HnswMs, double ExactMs,
    string HnswPlan, string ExactPlan);

/// <summary>
/// Top 10 through the HNSW index (<c>hnsw.ef_search</c> and <c>hnsw.iterative_scan</c> set as the service sets
/// them; sequential scans off, so a small table is not scanned instead) against the exact top 10 of the same
/// table (index scans off: a scan and a sort), for the same query vectors. The exact answers are computed once and
/// compared with the index's at each ef_search asked for.
/// </summary>
internal static class Recall
{
    private const int K = 10;

    /// <param name="orderBy">The distance expression the index covers, e.g. <c>embedding</c> or <c>(embedding::vector(384))</c>.</param>
    /// <param name="from">Table and filter, e.g. <c>chunk_embeddings WHERE model_id = 1</c>; integers and checked names only.</param>
    /// <param name="asParameter">The query as the column's type: <see cref="Vector"/> or the reduced table's <see cref="ReducedVectors.ToStored"/>.</param>
    public static async Task<IReadOnlyList<RecallResult>> SweepAsync(NpgsqlDataSource dataSource, string table, int dimensions, string from, string orderBy,
        IReadOnlyList<float[]> queries, Func<float[], object> asParameter, IReadOnlyList<int> efSearches)
    {
        var sql = $"SELECT chunk_id FROM {from} ORDER BY {orderBy} <=> @q LIMIT {K}";
        return await SweepAsync(dataSource, table, "chunks", dimensions, sql, ReadIds, [.. queries.Select(asParameter)], efSearches);
    }

    /// <summary>
    /// Recall of what the product returns: the semantic leg asks the index for <paramref name="rows"/> chunks (its
    /// candidates per page of posts) and keeps each post's best, so its top 10 posts can be right even where the
    /// chunk-level top 10 is not (and wrong where a post's best chunk was missed).
    /// </summary>
    public static async Task<IReadOnlyList<RecallResult>> PostsAsync(NpgsqlDataSource dataSource, string quotedTable, int dimensions, int rows,
        IReadOnlyList<float[]> queries, IReadOnlyList<int> efSearches)
    {
        // The semantic leg's query on the reduced table (SemanticSearcher).
        var sql = $"""
            SELECT v.cid, v.embedding <=> @q FROM {quotedTable} v WHERE v.cid <> -1
            ORDER BY v.embedding <=> @q LIMIT {rows}
            """;
        return await SweepAsync(dataSource, quotedTable, "posts", dimensions, sql, ReadBestPosts, [.. queries.Select(ReducedVectors.ToStored)], efSearches);
    }

    private static async Task<IReadOnlyList<RecallResult>> SweepAsync(NpgsqlDataSource dataSource, string table, string unit, int dimensions, string sql,
        Func<NpgsqlDataReader, Task<List<long>>> read, IReadOnlyList<object> queries, IReadOnlyList<int> efSearches)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var exact = new List<List<long>>(queries.Count);
        var exactTime = TimeSpan.Zero;
        foreach (var query in queries)
        {
            var (ids, elapsed) = await TopAsync(connection, sql, read, query, efSearches[0], exact: true);
            exact.Add(ids);
            exactTime += elapsed;
        }
        var exactPlan = await PlanAsync(connection, sql, queries[0], efSearches[0], exact: true);
        var results = new List<RecallResult>();
        foreach (var efSearch in efSearches)
        {
            double hits = 0;
            var hnswTime = TimeSpan.Zero;
            for (var i = 0; i < queries.Count; i++)
            {
                var (approximate, elapsed) = await TopAsync(connection, sql, read, queries[i], efSearch, exact: false);
                hits += exact[i].Intersect(approximate).Count() / (double)K;
                hnswTime += elapsed;
            }
            results.Add(new RecallResult(table, unit, dimensions, efSearch, queries.Count, hits / queries.Count,
                hnswTime.TotalMilliseconds / queries.Count, exactTime.TotalMilliseconds / queries.Count,
                await PlanAsync(connection, sql, queries[0], efSearch, exact: false), exactPlan));
        }
        return results;
    }

    private static async Task<List<long>> ReadIds(NpgsqlDataReader reader)
    {
        var ids = new List<long>(K);
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    /// <summary>Each post's best (smallest) distance, the 10 best posts; ties by cid, as the semantic leg breaks them.</summary>
    private static async Task<List<long>> ReadBestPosts(NpgsqlDataReader reader)
    {
        var best = new Dictionary<long, double>();
        while (await reader.ReadAsync())
        {
            var (cid, distance) = (reader.GetInt64(0), reader.GetDouble(1));
            if (!best.TryGetValue(cid, out var known) || distance < known)
            {
                best[cid] = distance;
            }
        }
        return [.. best.OrderBy(b => b.Value).ThenBy(b => b.Key).Take(K).Select(b => b.Key)];
    }

    private static async Task<(List<long> Ids, TimeSpan Elapsed)> TopAsync(NpgsqlConnection connection, string sql,
        Func<NpgsqlDataReader, Task<List<long>>> read, object query, int efSearch, bool exact)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await ConfigureAsync(connection, transaction, efSearch, exact);
        var clock = Stopwatch.StartNew();
        List<long> ids;
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            command.Parameters.AddWithValue("q", query);
            await using var reader = await command.ExecuteReaderAsync();
            ids = await read(reader);
        }
        var elapsed = clock.Elapsed;
        await transaction.CommitAsync();
        return (ids, elapsed);
    }

    /// <summary>The plan's scan node, to show that the approximate query used the HNSW index and the exact one did not.</summary>
    private static async Task<string> PlanAsync(NpgsqlConnection connection, string sql, object query, int efSearch, bool exact)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await ConfigureAsync(connection, transaction, efSearch, exact);
        await using var command = new NpgsqlCommand("EXPLAIN (COSTS OFF) " + sql, connection, transaction);
        command.Parameters.AddWithValue("q", query);
        var lines = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0).Trim().TrimStart('-', '>', ' '));
            }
        }
        await transaction.RollbackAsync();
        return lines.FirstOrDefault(l => l.Contains("Scan", StringComparison.Ordinal) && l.Contains(" on ", StringComparison.Ordinal) && !l.Contains("chunks", StringComparison.Ordinal) && !l.Contains("posts", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.Contains("Scan", StringComparison.Ordinal)) ?? string.Join(" / ", lines);
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
