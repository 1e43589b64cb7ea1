using BlogSemanticIndex.Storage;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

using static BlogSemanticIndex.Whitening.WhiteningSql;

namespace BlogSemanticIndex.Whitening;

/// <summary>The indexer's side: reduced vectors of new chunks written into the live version as they arrive.</summary>
public sealed partial class WhiteningStore : IChunkDerivedIndex
{
    Task IChunkDerivedIndex.WriteChunksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int modelId,
        IReadOnlyList<long> chunkIds, CancellationToken cancellationToken) =>
        TransformAndUpsertAsync(connection, transaction, modelId, chunkIds, cancellationToken);

    /// <summary>
    /// Writes the reduced vectors of chunks whose raw vectors the caller has just written to
    /// <c>chunk_embeddings</c> (same transaction) into the active version's table. Returns the rows written:
    /// 0 when no version is active or the active one belongs to another encoder model (the next fit covers them).
    /// </summary>
    /// <remarks>
    /// Preconditions: <paramref name="connection"/> comes from a data source with pgvector mapped
    /// (<c>UseVector()</c>); the transaction is READ COMMITTED; call this last, just before commit, in every
    /// transaction that writes <c>chunk_embeddings</c> — it share-locks the <c>active_index</c> row until the
    /// commit, which holds off a version switch until the rows are committed where the switch will see them.
    /// </remarks>
    public async Task<int> TransformAndUpsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int modelId,
        IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken = default)
    {
        var active = await LockActiveForWriteAsync(connection, transaction, modelId, cancellationToken);
        if (active is null || chunkIds.Count == 0)
        {
            return 0;
        }
        var vectors = new List<ChunkVector>(chunkIds.Count);
        await using (var command = new NpgsqlCommand(
            "SELECT e.chunk_id, c.cid, e.text_hash, e.embedding FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE e.model_id = @model AND e.chunk_id = ANY(@ids)",
            connection, transaction))
        {
            command.Parameters.AddWithValue("model", modelId);
            command.Parameters.AddWithValue("ids", chunkIds.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                vectors.Add(ChunkVectorReader.Read(reader));
            }
        }
        return await UpsertAsync(connection, transaction, active, vectors, cancellationToken);
    }


    private async Task<ActiveWhitening?> LockActiveForWriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int modelId,
        CancellationToken cancellationToken)
    {
        // Two statements on purpose: a locking SELECT that waited for a switch re-checks only the locked row
        // (EvalPlanQual), so a join in the same statement would still pair it with the old version's row.
        // The second statement runs on a fresh READ COMMITTED snapshot that sees the switch.
        if (await ScalarAsync(connection, transaction, "SELECT whitening_version FROM active_index FOR SHARE", cancellationToken) is not int version)
        {
            return null;
        }
        string table;
        int versionModel;
        await using (var command = new NpgsqlCommand("SELECT reduced_table, model_id FROM whitening_models WHERE version = @version", connection, transaction))
        {
            command.Parameters.AddWithValue("version", version);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException($"active_index names whitening version {version}, which does not exist.");
            }
            table = reader.GetString(0);
            versionModel = reader.GetInt32(1);
        }
        return versionModel != modelId ? null : new ActiveWhitening(version, table, await LoadAsync(version, cancellationToken));
    }

    private static async Task<int> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, ActiveWhitening active,
        List<ChunkVector> vectors, CancellationToken cancellationToken)
    {
        var sql = $"""
            INSERT INTO {active.QuotedTable} (chunk_id, cid, text_hash, embedding) VALUES ($1, $2, $3, $4)
            ON CONFLICT (chunk_id) DO UPDATE SET cid = EXCLUDED.cid, text_hash = EXCLUDED.text_hash, embedding = EXCLUDED.embedding
            """;
        var reduced = active.Model.TransformBatch(vectors.Select(v => v.Embedding).ToList());
        var written = 0;
        foreach (var slice in Enumerable.Range(0, vectors.Count).Chunk(256))
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var i in slice)
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = vectors[i].ChunkId });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = vectors[i].Cid });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = vectors[i].TextHash });
                command.Parameters.Add(new NpgsqlParameter { Value = ReducedVectors.ToStored(reduced[i]) });
                batch.BatchCommands.Add(command);
            }
            written += await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        return written;
    }
}
