using Npgsql;

namespace BlogSemanticIndex.Search.NodeIndexes;

/// <summary>
/// The store's change sequence as the node indexes read it: the index generation (<c>index_generation</c>), and the
/// posts changed after a generation (<c>keyword_changes</c>, migration V012: every transaction that writes, rewrites
/// or removes a post's chunks writes its keyword statistics too, so every change of a post's chunks, vectors included,
/// is there).
/// </summary>
public sealed class ChangeSequence(NpgsqlDataSource dataSource)
{
    /// <summary>How long change rows are kept: a node that was away longer rebuilds instead (seconds, not minutes).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    public async Task<long> ReadGenerationAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT value FROM index_generation");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The generation in a reader's snapshot.</summary>
    public static async Task<long> ReadGenerationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT value FROM index_generation", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The posts changed after <paramref name="generation"/> in a reader's snapshot; null when the change rows needed are
    /// gone (pruned, or the tables were truncated): rebuild.
    /// </summary>
    public static async Task<HashSet<long>?> ReadChangedPostsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long generation,
        CancellationToken cancellationToken)
    {
        var cids = new HashSet<long>();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT generation FROM keyword_changes_horizon) > @after, NULL::bigint
            UNION ALL
            SELECT false, cid FROM keyword_changes WHERE generation > @after
            """, connection, transaction);
        command.Parameters.AddWithValue("after", generation);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var first = true;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (first)
            {
                if (reader.GetBoolean(0))
                {
                    return null;
                }
                first = false;
            }
            else if (reader.IsDBNull(1))
            {
                return null;
            }
            else
            {
                cids.Add(reader.GetInt64(1));
            }
        }
        return cids;
    }

    /// <summary>Deletes change rows older than <see cref="Retention"/> and raises the horizon past them.</summary>
    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH gone AS (DELETE FROM keyword_changes WHERE changed_at < now() - @retention RETURNING generation)
            UPDATE keyword_changes_horizon SET generation = greatest(generation, (SELECT max(generation) FROM gone))
            WHERE EXISTS (SELECT 1 FROM gone)
            """);
        command.Parameters.AddWithValue("retention", Retention);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
