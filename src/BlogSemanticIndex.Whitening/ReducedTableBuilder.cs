using System.Data;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Pgvector;
using static BlogSemanticIndex.Whitening.WhiteningSql;

namespace BlogSemanticIndex.Whitening;

/// <summary>
/// Builds one version's reduced-vector table beside the live one: created, filled by binary COPY with every raw
/// vector of the version's encoder model transformed, tied to <c>chunks</c> by a foreign key, HNSW-indexed and analysed.
/// Which version is live, and when it changes, is <see cref="WhiteningStore"/>'s business.
/// </summary>
internal sealed class ReducedTableBuilder(NpgsqlDataSource dataSource, WhiteningOptions options)
{
    /// <summary>Creates, fills, indexes and analyses a version's table; the table must not exist.</summary>
    public async Task<(long Rows, TimeSpan CopyTime, TimeSpan IndexTime)> BuildAsync(
        NpgsqlConnection connection, string table, WhiteningModel model, CancellationToken cancellationToken)
    {
        var quoted = WhiteningStore.QuoteTable(table);
        var clock = Stopwatch.StartNew();
        // No foreign key while filling: a chunk deleted after the reader's snapshot would fail the COPY.
        // It is added (NOT VALID, then validated) once the table is full; see below.
        await ExecuteAsync(connection, null, $"""
            CREATE TABLE {quoted} (
                chunk_id  bigint PRIMARY KEY,
                cid       bigint NOT NULL,
                text_hash bytea  NOT NULL,
                embedding {ReducedVectors.ColumnType(model.Dims)} NOT NULL
            )
            """, cancellationToken);

        long rows = 0;
        await using (var source = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(
            "SELECT e.chunk_id, c.cid, e.text_hash, e.embedding FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE e.model_id = @model", source))
        {
            command.Parameters.AddWithValue("model", model.SourceModelId);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            await using var writer = await connection.BeginBinaryImportAsync(
                $"COPY {quoted} ({CopyColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            var batch = new List<ChunkVector>(options.BatchSize);
            while (await reader.ReadAsync(cancellationToken))
            {
                batch.Add(ChunkVectorReader.Read(reader));
                if (batch.Count == options.BatchSize)
                {
                    rows += await WriteBatchAsync(writer, batch, model, cancellationToken);
                    batch.Clear();
                }
            }
            rows += await WriteBatchAsync(writer, batch, model, cancellationToken);
            await writer.CompleteAsync(cancellationToken);
        }

        // From the moment the key exists, deleting a chunk cascades here; rows whose chunk vanished before
        // that are removed, and validation then scans without blocking writers. Three statements, three
        // transactions: adding the key locks chunks against writes only for as long as the ALTER itself.
        await ExecuteAsync(connection, null,
            $"ALTER TABLE {quoted} ADD CONSTRAINT {table}_chunk_fk FOREIGN KEY (chunk_id) REFERENCES chunks (id) ON DELETE CASCADE NOT VALID",
            cancellationToken);
        await ExecuteAsync(connection, null, $"DELETE FROM {quoted} w WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = w.chunk_id)", cancellationToken);
        await ExecuteAsync(connection, null, $"ALTER TABLE {quoted} VALIDATE CONSTRAINT {table}_chunk_fk", cancellationToken);
        var copyTime = clock.Elapsed;

        clock.Restart();
        await ExecuteAsync(connection, null, $"""
            CREATE INDEX {table}_embedding_hnsw ON {quoted} USING hnsw (embedding halfvec_cosine_ops)
                WITH (m = {options.HnswM}, ef_construction = {options.HnswEfConstruction});
            ANALYZE {quoted};
            """, cancellationToken);
        return (rows, copyTime, clock.Elapsed);
    }

    /// <summary>The columns <see cref="WriteBatchAsync"/> writes, in its order.</summary>
    public const string CopyColumns = "chunk_id, cid, text_hash, embedding";

    /// <summary>Writes reduced vectors of a batch of raw ones to a binary COPY of <see cref="CopyColumns"/>.</summary>
    public static async Task<int> WriteBatchAsync(NpgsqlBinaryImporter writer, List<ChunkVector> batch, WhiteningModel model, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }
        var reduced = model.TransformBatch(batch.Select(b => b.Embedding).ToList());
        for (var i = 0; i < batch.Count; i++)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(batch[i].ChunkId, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(batch[i].Cid, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(batch[i].TextHash, NpgsqlDbType.Bytea, cancellationToken);
            await writer.WriteAsync(ReducedVectors.ToStored(reduced[i]), "halfvec", cancellationToken);
        }
        return batch.Count;
    }
}
