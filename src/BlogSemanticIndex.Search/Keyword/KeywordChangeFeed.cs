using System.Data;
using System.Runtime.CompilerServices;
using Npgsql;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>What changed in the keyword statistics since a generation: the posts to replace or remove, and the store's generation.</summary>
public sealed record KeywordChanges(long Generation, IReadOnlyCollection<long> ChangedCids, IReadOnlyList<KeywordDocument> Documents);

/// <summary>
/// Reads the keyword statistics out of PostgreSQL for a node's <see cref="LuceneKeywordIndex"/>: all of them (a build),
/// or what changed after a generation (<c>keyword_changes</c>, migration V012). Each read is one REPEATABLE READ
/// snapshot, so the documents and the generation they are stamped with agree.
/// </summary>
public sealed class KeywordChangeFeed(NpgsqlDataSource dataSource)
{
    /// <summary>How long change rows are kept: a node that was away longer rebuilds instead (seconds, not minutes).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private const int PostsPerRead = 2000;

    public async Task<long> ReadGenerationAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT value FROM index_generation");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Every post's statistics at one generation, streamed in cid order; <paramref name="generation"/> is set before the first document.</summary>
    public async IAsyncEnumerable<KeywordDocument> ReadAllAsync(StrongBox<long> generation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        generation.Value = await ReadGenerationAsync(connection, transaction, cancellationToken);
        long after = long.MinValue;
        while (true)
        {
            List<long> cids = [];
            await using (var command = new NpgsqlCommand("SELECT cid FROM keyword_docs WHERE cid > @after ORDER BY cid LIMIT @limit", connection, transaction))
            {
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("limit", PostsPerRead);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    cids.Add(reader.GetInt64(0));
                }
            }
            if (cids.Count == 0)
            {
                break;
            }
            foreach (var document in await ReadDocumentsAsync(connection, transaction, [.. cids], cancellationToken))
            {
                yield return document;
            }
            after = cids[^1];
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>What changed after <paramref name="generation"/>; null when the change rows needed are gone (pruned or truncated): rebuild.</summary>
    public async Task<KeywordChanges?> ReadChangesAsync(long generation, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var current = await ReadGenerationAsync(connection, transaction, cancellationToken);
        var cids = new HashSet<long>();
        await using (var command = new NpgsqlCommand("""
            SELECT (SELECT generation FROM keyword_changes_horizon) > @after, NULL::bigint
            UNION ALL
            SELECT false, cid FROM keyword_changes WHERE generation > @after
            """, connection, transaction))
        {
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
        }
        var documents = await ReadDocumentsAsync(connection, transaction, [.. cids], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new KeywordChanges(current, cids, documents);
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

    private static async Task<long> ReadGenerationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT value FROM index_generation", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<List<KeywordDocument>> ReadDocumentsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long[] cids, CancellationToken cancellationToken)
    {
        var lengths = new Dictionary<long, int>();
        await using (var command = new NpgsqlCommand("SELECT cid, length FROM keyword_docs WHERE cid = ANY(@cids)", connection, transaction))
        {
            command.Parameters.AddWithValue("cids", cids);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lengths[reader.GetInt64(0)] = reader.GetInt32(1);
            }
        }
        var postings = lengths.Keys.ToDictionary(cid => cid, _ => new List<(string, int)>());
        await using (var command = new NpgsqlCommand("SELECT cid, term, tf FROM keyword_postings WHERE cid = ANY(@cids)", connection, transaction))
        {
            command.Parameters.AddWithValue("cids", cids);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                postings[reader.GetInt64(0)].Add((reader.GetString(1), reader.GetInt32(2)));
            }
        }
        return [.. lengths.OrderBy(l => l.Key).Select(l => new KeywordDocument(l.Key, l.Value, postings[l.Key]))];
    }
}
