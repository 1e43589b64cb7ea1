using Npgsql;

namespace LoadBench;

/// <summary>What the schema holds: posts, chunks, the active encoder model and whitening version, the HNSW indexes.</summary>
internal sealed record IndexFacts(long Posts, long Chunks, int ModelId, int WhiteningVersion, string ReducedTable, IReadOnlyList<(string Name, long Bytes)> HnswIndexes)
{
    public static async Task<IndexFacts> ReadAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM chunks), a.model_id, a.whitening_version, w.reduced_table
            FROM active_index a JOIN whitening_models w ON w.version = a.whitening_version
            """);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("the schema has no active whitening version; load it again (without --schema)");
        }
        var (posts, chunks, model, version, table) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetString(4));
        await reader.CloseAsync();
        var indexes = new List<(string, long)>();
        await using var sizes = dataSource.CreateCommand("""
            SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes
            WHERE schemaname = current_schema() AND indexrelname LIKE '%hnsw%' ORDER BY indexrelname
            """);
        await using var sizeReader = await sizes.ExecuteReaderAsync();
        while (await sizeReader.ReadAsync())
        {
            indexes.Add((sizeReader.GetString(0), sizeReader.GetInt64(1)));
        }
        return new IndexFacts(posts, chunks, model, version, table, indexes);
    }

    public string Describe() =>
        $"Index: {Posts} posts, {Chunks} chunks; whitening version {WhiteningVersion} active ({ReducedTable}); HNSW indexes: " +
        string.Join(", ", HnswIndexes.Select(i => $"{i.Name} {i.Bytes / 1048576.0:F0} MiB"));

    /// <summary>Index scans so far of each HNSW index in the schema (PostgreSQL's statistics, counted when a session reports them).</summary>
    public static async Task<Dictionary<string, long>> HnswScansAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE schemaname = current_schema() AND indexrelname LIKE '%hnsw%'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var scans = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            scans[reader.GetString(0)] = reader.GetInt64(1);
        }
        return scans;
    }
}
