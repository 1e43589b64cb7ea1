using System.Data;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pgvector;
using static BlogSemanticIndex.Whitening.WhiteningSql;

namespace BlogSemanticIndex.Whitening;

/// <summary>
/// The live swap: one READ COMMITTED transaction that locks the <c>active_index</c> row (waiting for indexer
/// transactions writing the live table), catches the new version's table up with the raw vectors written since it
/// was filled, marks it ready and moves the pointer, retiring the previous version (see <see cref="WhiteningStore"/>).
/// </summary>
internal sealed class WhiteningSwitch(ILogger logger)
{
    private const int SwitchAttempts = 3;

    /// <summary>
    /// The one transaction that makes <paramref name="version"/> live; returns the version it retired.
    /// Retries when a chunk deleted during the catch-up breaks the foreign key.
    /// </summary>
    public async Task<int?> SwitchAsync(NpgsqlConnection connection, int version, WhiteningModel model, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SwitchOnceAsync(connection, version, model, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation && attempt < SwitchAttempts)
            {
                logger.SwitchingAgain(version);
            }
        }
    }

    private async Task<int?> SwitchOnceAsync(NpgsqlConnection connection, int version, WhiteningModel model, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // 1. The pointer row, FOR UPDATE: waits for indexer transactions that hold it FOR SHARE (they write the
        //    active table) and for another switch; each later statement sees what they committed.
        int? activeModel, previous;
        await using (var command = new NpgsqlCommand("SELECT model_id, whitening_version FROM active_index FOR UPDATE", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException("the active_index row is missing; run the migrations (bsi migrate).");
            }
            activeModel = reader.IsDBNull(0) ? null : reader.GetInt32(0);
            previous = reader.IsDBNull(1) ? null : reader.GetInt32(1);
        }
        if (activeModel is { } live && live != model.SourceModelId)
        {
            throw new InvalidOperationException(
                $"whitening version {version} was fitted on encoder model {model.SourceModelId}, but the active encoder model is {live}; fit a new version for the active model.");
        }

        // 2. The version row, FOR UPDATE: the retired-table clean-up holds it while dropping, so the table check is reliable.
        string table;
        await using (var command = new NpgsqlCommand(
            "SELECT reduced_table, to_regclass(reduced_table) IS NOT NULL FROM whitening_models WHERE version = @version FOR UPDATE", connection, transaction))
        {
            command.Parameters.AddWithValue("version", version);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException($"whitening version {version} was deleted during the switch.");
            }
            table = reader.GetString(0);
            if (!reader.GetBoolean(1))
            {
                throw new TableMissingException();
            }
        }

        // 3. Catch up with what the indexer committed since the table was filled.
        var (removed, added) = await CatchUpAsync(connection, transaction, table, model, cancellationToken);

        // 4. Move the pointer.
        await ExecuteAsync(connection, transaction, """
            UPDATE whitening_models SET state = 'ready', activated_at = now(), retired_at = NULL WHERE version = @version;
            UPDATE active_index SET whitening_version = @version, switched_at = now();
            UPDATE whitening_models SET state = 'retired', retired_at = now() WHERE version = @previous AND version <> @version;
            """, cancellationToken, ("version", version), ("previous", (object?)previous ?? DBNull.Value));
        await transaction.CommitAsync(cancellationToken);
        if (removed + added > 0)
        {
            logger.CaughtUp(version, removed, added);
        }
        return previous == version ? null : previous;
    }

    private static async Task<(int Removed, int Added)> CatchUpAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string table, WhiteningModel model, CancellationToken cancellationToken)
    {
        var quoted = WhiteningStore.QuoteTable(table);
        int removed;
        await using (var command = new NpgsqlCommand($"""
            DELETE FROM {quoted} w
            WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e
                              WHERE e.chunk_id = w.chunk_id AND e.model_id = @model AND e.text_hash = w.text_hash)
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("model", model.SourceModelId);
            removed = await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var missing = new List<ChunkVector>();
        await using (var command = new NpgsqlCommand($"""
            SELECT e.chunk_id, c.cid, e.text_hash, e.embedding FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id
            WHERE e.model_id = @model AND NOT EXISTS (SELECT 1 FROM {quoted} w WHERE w.chunk_id = e.chunk_id)
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("model", model.SourceModelId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                missing.Add(ChunkVectorReader.Read(reader));
            }
        }
        if (missing.Count > 0)
        {
            await using var writer = await connection.BeginBinaryImportAsync(
                $"COPY {quoted} ({ReducedTableBuilder.CopyColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            await ReducedTableBuilder.WriteBatchAsync(writer, missing, model, cancellationToken);
            await writer.CompleteAsync(cancellationToken);
        }
        return (removed, missing.Count);
    }

    internal sealed class TableMissingException() : Exception("the version's table was dropped during the switch");
}
