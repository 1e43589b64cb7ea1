using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using BlogSemanticIndex.Storage;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// Writes the BM25 term statistics (<c>keyword_docs</c>, <c>keyword_postings</c>) of posts. The indexer calls
/// it (as an <see cref="IChunkDerivedIndex"/>) from <c>IndexWriter.WriteBatchAsync</c>'s <c>afterWrite</c>, so the statistics
/// commit or roll back with the chunks; deleting a post cascades to its rows.
/// </summary>
public sealed class KeywordIndexWriter(ILogger<KeywordIndexWriter>? logger = null) : IChunkDerivedIndex
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>
    /// (Re)writes the statistics of every post that owns one of <paramref name="chunkIds"/>, from all of that
    /// post's chunks. Runs in the caller's transaction; idempotent.
    /// </summary>
    public async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<long> chunkIds,
        CancellationToken cancellationToken = default)
    {
        if (chunkIds.Count == 0)
        {
            return;
        }
        List<long> cids = [];
        await using (var command = new NpgsqlCommand("SELECT DISTINCT cid FROM chunks WHERE id = ANY(@ids)", connection, transaction))
        {
            command.Parameters.AddWithValue("ids", chunkIds.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                cids.Add(reader.GetInt64(0));
            }
        }
        await WritePostsAsync(connection, transaction, cids, cancellationToken);
    }

    /// <summary>
    /// Indexes every post that has no keyword statistics yet (after the migration on an existing index, or
    /// after an analyzer change once the tables were emptied), in batches of <paramref name="batchSize"/> posts.
    /// </summary>
    /// <returns>The number of posts indexed.</returns>
    Task IChunkDerivedIndex.WriteChunksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int modelId,
        IReadOnlyList<long> chunkIds, CancellationToken cancellationToken) => WriteAsync(connection, transaction, chunkIds, cancellationToken);

    public async Task<int> RebuildAllAsync(NpgsqlDataSource dataSource, int batchSize = 500, CancellationToken cancellationToken = default)
    {
        var total = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            List<long> cids = [];
            await using (var command = new NpgsqlCommand("""
                SELECT p.cid FROM posts p WHERE NOT EXISTS (SELECT 1 FROM keyword_docs d WHERE d.cid = p.cid)
                ORDER BY p.cid LIMIT @limit FOR UPDATE OF p SKIP LOCKED
                """, connection, transaction))
            {
                command.Parameters.AddWithValue("limit", batchSize);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    cids.Add(reader.GetInt64(0));
                }
            }
            if (cids.Count == 0)
            {
                return total;
            }
            await WritePostsAsync(connection, transaction, cids, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            total += cids.Count;
            _logger.KeywordPostsIndexed(total);
        }
    }

    private static async Task WritePostsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<long> cids,
        CancellationToken cancellationToken)
    {
        if (cids.Count == 0)
        {
            return;
        }
        // Each post's document: its chunks in order, each without the part that overlaps the previous chunk.
        var documents = new Dictionary<long, Dictionary<string, int>>();
        var lengths = new Dictionary<long, int>();
        await using (var command = new NpgsqlCommand("""
            SELECT cid, text, char_start, char_end FROM chunks WHERE cid = ANY(@cids) ORDER BY cid, ordinal
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("cids", cids.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            long currentCid = -1;
            var coveredTo = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                var cid = reader.GetInt64(0);
                var text = reader.GetString(1);
                var (start, end) = (reader.GetInt32(2), reader.GetInt32(3));
                if (cid != currentCid)
                {
                    currentCid = cid;
                    coveredTo = 0;
                    documents[cid] = new Dictionary<string, int>(StringComparer.Ordinal);
                    lengths[cid] = 0;
                }
                // The span equals the text's length when the chunker kept its contract; otherwise use the whole text.
                var skip = end - start == text.Length ? Math.Clamp(coveredTo - start, 0, text.Length) : 0;
                coveredTo = Math.Max(coveredTo, end);
                var terms = documents[cid];
                // A token straddling the overlap boundary is counted from the chunk where it starts whole.
                foreach (var token in TextAnalyzer.Analyze(text))
                {
                    if (token.Start < skip)
                    {
                        continue;
                    }
                    terms[token.Term] = terms.GetValueOrDefault(token.Term) + 1;
                    lengths[cid]++;
                }
            }
        }

        await using (var command = new NpgsqlCommand("DELETE FROM keyword_docs WHERE cid = ANY(@cids)", connection, transaction))
        {
            command.Parameters.AddWithValue("cids", cids.ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var writer = await connection.BeginBinaryImportAsync("COPY keyword_docs (cid, length) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var (cid, length) in lengths)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(cid, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(length, NpgsqlDbType.Integer, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await using (var writer = await connection.BeginBinaryImportAsync("COPY keyword_postings (term, cid, tf, length) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var (cid, terms) in documents)
            {
                // The document's length beside each posting: the top-k search scores from the postings alone.
                var length = lengths[cid];
                foreach (var (term, tf) in terms)
                {
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(term, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(cid, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(tf, NpgsqlDbType.Integer, cancellationToken);
                    await writer.WriteAsync(length, NpgsqlDbType.Integer, cancellationToken);
                }
            }
            await writer.CompleteAsync(cancellationToken);
        }
    }
}
