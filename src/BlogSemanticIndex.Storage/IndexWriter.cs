using System.Data;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace BlogSemanticIndex.Storage;

/// <summary>
/// Writes the index: posts, their chunks and the chunks' raw vectors, one transaction per batch, so a
/// crash leaves either the whole batch or none of it. Every write is an idempotent replace keyed by cid:
/// running the same batch twice leaves the same rows.
/// </summary>
public sealed class IndexWriter(NpgsqlDataSource dataSource)
{
    /// <summary>The id of an encoder (registered on first use); the dimension is checked against earlier use.</summary>
    public async Task<EncoderModelRecord> RegisterModelAsync(string name, string revision, int dimensions, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO encoder_models (name, revision, dimensions) VALUES (@name, @revision, @dims)
            ON CONFLICT (name, revision) DO UPDATE SET name = excluded.name
            RETURNING id, dimensions
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("revision", revision);
        command.Parameters.AddWithValue("dims", dimensions);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (id, storedDims) = (reader.GetInt32(0), reader.GetInt32(1));
        if (storedDims != dimensions)
        {
            throw new InvalidOperationException($"encoder {name}@{revision} was recorded with {storedDims} dimensions but now produces {dimensions}");
        }
        return new EncoderModelRecord(id, name, revision, dimensions);
    }

    /// <summary>The encoder whose vectors searches use, or null before the first index run.</summary>
    public async Task<EncoderModelRecord?> GetActiveModelAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT m.id, m.name, m.revision, m.dimensions FROM active_index a JOIN encoder_models m ON m.id = a.model_id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new EncoderModelRecord(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3))
            : null;
    }

    /// <summary>
    /// Makes <paramref name="model"/> the encoder searches use. Called once every visible post has vectors
    /// from it, so a model change never mixes vector spaces; the previous model's vectors are dropped.
    /// </summary>
    public async Task ActivateModelAsync(EncoderModelRecord model, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("""
            UPDATE active_index SET model_id = @id, whitening_version = NULL, switched_at = now()
            WHERE model_id IS DISTINCT FROM @id
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("id", model.Id);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var command = new NpgsqlCommand("DELETE FROM chunk_embeddings WHERE model_id <> @id", connection, transaction))
        {
            command.Parameters.AddWithValue("id", model.Id);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        // Searches without an active whitening version read the raw vectors. The column has no fixed dimension
        // (models differ), so the HNSW index is on a cast to this model's dimension, for this model's rows only;
        // queries must use the same expression (embedding::vector(d)) to be served by it.
        var dropOld = new List<string>();
        await using (var command = new NpgsqlCommand("""
            SELECT indexname FROM pg_indexes
            WHERE schemaname = current_schema() AND tablename = 'chunk_embeddings' AND indexname LIKE 'chunk_embeddings_hnsw_m%'
            """, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                dropOld.Add(reader.GetString(0));
            }
        }
        var keep = RawIndexName(model.Id);
        foreach (var name in dropOld.Where(n => n != keep))
        {
            await ExecuteAsync(connection, transaction, $"DROP INDEX IF EXISTS \"{name}\"", cancellationToken);
        }
        await using (var build = new NpgsqlCommand($"""
            CREATE INDEX IF NOT EXISTS "{keep}" ON chunk_embeddings
            USING hnsw ((embedding::vector({model.Dimensions})) vector_cosine_ops) WHERE model_id = {model.Id}
            """, connection, transaction))
        {
            // An HNSW build grows with the corpus (45 s for 100,000 chunks on 2 cores), past Npgsql's 30 s default.
            build.CommandTimeout = 0;
            await build.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The partial HNSW index over one model's raw vectors (ids are integers, safe in an identifier).</summary>
    public static string RawIndexName(int modelId) => $"chunk_embeddings_hnsw_m{modelId}";

    /// <summary>Every indexed post's cid, modified time and content hash.</summary>
    public async Task<IReadOnlyDictionary<long, IndexedPostStamp>> ReadPostStampsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT cid, modified_at, content_hash FROM posts");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var stamps = new Dictionary<long, IndexedPostStamp>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var cid = reader.GetInt64(0);
            stamps[cid] = new IndexedPostStamp(cid, reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<byte[]>(2));
        }
        return stamps;
    }

    /// <summary>
    /// The stored vectors of model <paramref name="modelId"/> for chunk texts with these hashes, so text
    /// that did not change (even if it moved to another position or post) is not embedded again.
    /// </summary>
    public async Task<Dictionary<string, float[]>> FindEmbeddingsAsync(int modelId, IEnumerable<byte[]> textHashes, CancellationToken cancellationToken = default)
    {
        var hashes = textHashes.DistinctBy(Convert.ToHexString).ToArray();
        var found = new Dictionary<string, float[]>();
        if (hashes.Length == 0)
        {
            return found;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT DISTINCT ON (text_hash) text_hash, embedding FROM chunk_embeddings
            WHERE model_id = @model AND text_hash = ANY(@hashes)
            """);
        command.Parameters.AddWithValue("model", modelId);
        command.Parameters.AddWithValue("hashes", hashes);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[Convert.ToHexString(reader.GetFieldValue<byte[]>(0))] = reader.GetFieldValue<Vector>(1).ToArray();
        }
        return found;
    }

    /// <summary>
    /// Replaces the given posts (with their chunks and vectors), removes <paramref name="removedCids"/>,
    /// records skipped posts and, when given, advances the source's watermark — all in one transaction.
    /// <paramref name="embeddings"/> maps each chunk's hex text hash to its vector from <paramref name="model"/>;
    /// every chunk must have one. <paramref name="afterWrite"/> runs inside the transaction with the new
    /// chunk ids (e.g. to write reduced vectors for the active whitening version).
    /// </summary>
    public async Task WriteBatchAsync(
        EncoderModelRecord model,
        IReadOnlyList<PostRecord> posts,
        IReadOnlyDictionary<string, float[]> embeddings,
        IReadOnlyCollection<long> removedCids,
        IReadOnlyList<SkippedPost> skipped,
        string source,
        IndexWatermark? watermark,
        Func<NpgsqlConnection, NpgsqlTransaction, IReadOnlyList<long>, CancellationToken, Task>? afterWrite = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var gone = removedCids.Concat(skipped.Select(s => s.Cid)).Concat(posts.Select(p => p.Cid)).Distinct().ToArray();
        await ExecuteAsync(connection, transaction, "DELETE FROM posts WHERE cid = ANY(@cids)", cancellationToken, ("cids", gone));
        await ExecuteAsync(connection, transaction, "DELETE FROM skipped_posts WHERE cid = ANY(@cids)", cancellationToken,
            ("cids", posts.Select(p => p.Cid).Concat(removedCids).ToArray()));

        await InsertPostsAsync(connection, transaction, posts, cancellationToken);
        var chunkIds = await InsertChunksAsync(connection, transaction, posts, cancellationToken);
        await CopyEmbeddingsAsync(connection, model, posts, chunkIds, embeddings, cancellationToken);
        await InsertSkippedAsync(connection, transaction, skipped, cancellationToken);
        if (afterWrite is not null && chunkIds.Count > 0)
        {
            await afterWrite(connection, transaction, chunkIds, cancellationToken);
        }
        if (watermark is { } next)
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO index_state (source, watermark_modified, watermark_cid) VALUES (@source, @time, @cid)
                ON CONFLICT (source) DO UPDATE SET watermark_modified = excluded.watermark_modified, watermark_cid = excluded.watermark_cid
                """, cancellationToken, ("source", source), ("time", next.Time), ("cid", next.Cid));
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The committed watermark of <paramref name="source"/>, or the beginning of its feed.</summary>
    public async Task<IndexWatermark> ReadWatermarkAsync(string source, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT watermark_modified, watermark_cid FROM index_state WHERE source = @source");
        command.Parameters.AddWithValue("source", source);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new IndexWatermark(reader.GetInt64(0), reader.GetInt64(1)) : new IndexWatermark(0, 0);
    }

    /// <summary>Records a poll's outcome for <c>bsi status</c>: its time, and the error when it failed.</summary>
    public async Task RecordPollAsync(string source, string? error, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO index_state (source, last_poll_at, last_success_at, last_error)
            VALUES (@source, now(), CASE WHEN @error::text IS NULL THEN now() END, @error)
            ON CONFLICT (source) DO UPDATE SET
                last_poll_at = now(),
                last_success_at = CASE WHEN @error::text IS NULL THEN now() ELSE index_state.last_success_at END,
                last_error = @error
            """);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertPostsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PostRecord> posts, CancellationToken cancellationToken)
    {
        if (posts.Count == 0) return;
        await ExecuteAsync(connection, transaction, """
            INSERT INTO posts (cid, type, title, slug, created_at, modified_at, content_hash)
            SELECT * FROM unnest(@cid, @type, @title, @slug, @created, @modified, @hash)
            """, cancellationToken,
            ("cid", posts.Select(p => p.Cid).ToArray()),
            ("type", posts.Select(p => p.Type).ToArray()),
            ("title", posts.Select(p => p.Title).ToArray()),
            ("slug", posts.Select(p => p.Slug).ToArray()),
            ("created", posts.Select(p => p.Created.UtcDateTime).ToArray()),
            ("modified", posts.Select(p => p.Modified.UtcDateTime).ToArray()),
            ("hash", posts.Select(p => p.ContentHash).ToArray()));
    }

    /// <summary>Inserts every chunk with one statement; returns the new ids in (post, ordinal) order.</summary>
    private static async Task<IReadOnlyList<long>> InsertChunksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<PostRecord> posts, CancellationToken cancellationToken)
    {
        var chunks = posts.SelectMany(p => p.Chunks.Select(c => (p.Cid, Chunk: c))).ToList();
        if (chunks.Count == 0) return [];
        // WITH ORDINALITY keeps the RETURNING order equal to the input order.
        await using var command = new NpgsqlCommand("""
            INSERT INTO chunks (cid, ordinal, text, char_start, char_end, token_count, text_hash, script_chars)
            SELECT cid, ordinal, text, char_start, char_end, token_count, text_hash, script_chars::jsonb
            FROM unnest(@cid, @ordinal, @text, @start, @end, @tokens, @hash, @scripts)
                 WITH ORDINALITY AS c(cid, ordinal, text, char_start, char_end, token_count, text_hash, script_chars, n)
            ORDER BY n
            RETURNING id
            """, connection, transaction);
        command.Parameters.AddWithValue("cid", chunks.Select(c => c.Cid).ToArray());
        command.Parameters.AddWithValue("ordinal", chunks.Select(c => c.Chunk.Ordinal).ToArray());
        command.Parameters.AddWithValue("text", chunks.Select(c => c.Chunk.Text).ToArray());
        command.Parameters.AddWithValue("start", chunks.Select(c => c.Chunk.CharStart).ToArray());
        command.Parameters.AddWithValue("end", chunks.Select(c => c.Chunk.CharEnd).ToArray());
        command.Parameters.AddWithValue("tokens", chunks.Select(c => c.Chunk.TokenCount).ToArray());
        command.Parameters.AddWithValue("hash", chunks.Select(c => c.Chunk.TextHash).ToArray());
        command.Parameters.Add(new NpgsqlParameter<string?[]>("scripts", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
        {
            TypedValue = [.. chunks.Select(c => c.Chunk.ScriptChars)],
        });
        var ids = new List<long>(chunks.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    private static async Task CopyEmbeddingsAsync(NpgsqlConnection connection, EncoderModelRecord model, IReadOnlyList<PostRecord> posts,
        IReadOnlyList<long> chunkIds, IReadOnlyDictionary<string, float[]> embeddings, CancellationToken cancellationToken)
    {
        if (chunkIds.Count == 0) return;
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY chunk_embeddings (chunk_id, model_id, text_hash, embedding) FROM STDIN (FORMAT BINARY)", cancellationToken);
        var i = 0;
        foreach (var chunk in posts.SelectMany(p => p.Chunks))
        {
            var key = Convert.ToHexString(chunk.TextHash);
            if (!embeddings.TryGetValue(key, out var vector))
            {
                throw new InvalidOperationException($"no embedding given for chunk text hash {key}");
            }
            if (vector.Length != model.Dimensions)
            {
                throw new InvalidOperationException($"embedding has {vector.Length} dimensions, model {model.Name} has {model.Dimensions}");
            }
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(chunkIds[i++], NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(model.Id, NpgsqlDbType.Integer, cancellationToken);
            await writer.WriteAsync(chunk.TextHash, NpgsqlDbType.Bytea, cancellationToken);
            await writer.WriteAsync(new Vector(vector), cancellationToken);
        }
        await writer.CompleteAsync(cancellationToken);
    }

    private static async Task InsertSkippedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SkippedPost> skipped, CancellationToken cancellationToken)
    {
        if (skipped.Count == 0) return;
        await ExecuteAsync(connection, transaction, """
            INSERT INTO skipped_posts (cid, modified_at, reason)
            SELECT * FROM unnest(@cid, @modified, @reason)
            ON CONFLICT (cid) DO UPDATE SET modified_at = excluded.modified_at, reason = excluded.reason, skipped_at = now()
            """, cancellationToken,
            ("cid", skipped.Select(s => s.Cid).ToArray()),
            ("modified", skipped.Select(s => s.Modified.UtcDateTime).ToArray()),
            ("reason", skipped.Select(s => s.Reason).ToArray()));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>A post the indexer could not index, and why; it is retried when the post changes.</summary>
public sealed record SkippedPost(long Cid, DateTimeOffset Modified, string Reason);
