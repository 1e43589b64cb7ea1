using System.Data;
using System.Runtime.CompilerServices;
using BlogSemanticIndex.Search.NodeIndexes;
using Npgsql;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>What changed in the keyword statistics since a generation: the posts to replace or remove, and the store's generation.</summary>
public sealed record KeywordChanges(long Generation, IReadOnlyCollection<long> ChangedCids, IReadOnlyList<KeywordDocument> Documents);

/// <summary>
/// Reads the keyword statistics out of PostgreSQL for a node's <see cref="LuceneKeywordIndex"/>: all of them (a build),
/// or those of the posts changed after a generation (<see cref="ChangeSequence"/>). Each read is one REPEATABLE READ
/// snapshot, so the documents and the generation they are stamped with agree.
/// </summary>
public sealed class KeywordChangeFeed(NpgsqlDataSource dataSource)
{
    private const int PostsPerRead = 2000;

    /// <summary>Every post's statistics at one generation, streamed in cid order; <paramref name="generation"/> is set before the first document.</summary>
    public async IAsyncEnumerable<KeywordDocument> ReadAllAsync(StrongBox<long> generation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        generation.Value = await ChangeSequence.ReadGenerationAsync(connection, transaction, cancellationToken);
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
        var current = await ChangeSequence.ReadGenerationAsync(connection, transaction, cancellationToken);
        if (await ChangeSequence.ReadChangedPostsAsync(connection, transaction, generation, cancellationToken) is not { } cids)
        {
            return null;
        }
        var documents = await ReadDocumentsAsync(connection, transaction, [.. cids], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new KeywordChanges(current, cids, documents);
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
