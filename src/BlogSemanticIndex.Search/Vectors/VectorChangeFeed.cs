using System.Data;
using System.Runtime.CompilerServices;
using BlogSemanticIndex.Search.NodeIndexes;
using BlogSemanticIndex.Whitening;
using Npgsql;
using Pgvector;

namespace BlogSemanticIndex.Search.Vectors;

/// <summary>Where a saved graph's vectors come from: the store (one saved graph each) and its table (<see cref="VectorChangeFeed.ReadSourceAsync"/>).</summary>
public sealed record SavedGraphSource(string Store, string Table)
{
    /// <summary>Both, as a saved graph's header names them.</summary>
    public override string ToString() => $"{Store}.{Table}";
}

/// <summary>What changed in the searched vectors since a generation: the posts whose chunks to replace or remove, and the store's generation.</summary>
public sealed record VectorChanges(long Generation, IReadOnlyCollection<long> ChangedCids, IReadOnlyList<ChunkEntry> Chunks);

/// <summary>
/// Reads the searched space's chunk vectors out of PostgreSQL for a node's <see cref="NodeVectorIndex"/>: the active space
/// (the model and whitening version <c>active_index</c> names, as <see cref="WhiteningStore.RunOnActiveAsync"/> picks it),
/// all of its vectors (a build), or those of the posts changed after a generation (<see cref="ChangeSequence"/>). Each
/// read is one REPEATABLE READ snapshot, so the vectors, the space and the generation agree.
/// </summary>
public sealed class VectorChangeFeed(NpgsqlDataSource dataSource, WhiteningStore whitening)
{
    /// <summary>The generation and the active space now (null space: no encoder model is active yet); one row.</summary>
    public async Task<(long Generation, VectorSpace? Space)> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadHeadAsync(connection, null, cancellationToken);
    }

    /// <summary>Every chunk vector of the active space at one generation; <paramref name="head"/> is set before the first one.</summary>
    public async IAsyncEnumerable<ChunkEntry> ReadAllAsync(StrongBox<(long Generation, VectorSpace? Space)> head,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        head.Value = await ReadHeadAsync(connection, transaction, cancellationToken);
        if (head.Value.Space is not { } space)
        {
            yield break;
        }
        await using (var command = ChunksCommand(connection, transaction, space, cids: null))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return Read(reader, space);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// What changed in <paramref name="space"/> after <paramref name="generation"/>; null when the change rows needed are
    /// gone or the active space is another one now: rebuild.
    /// </summary>
    public async Task<VectorChanges?> ReadChangesAsync(VectorSpace space, long generation, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var head = await ReadHeadAsync(connection, transaction, cancellationToken);
        if (head.Space != space || await ChangeSequence.ReadChangedPostsAsync(connection, transaction, generation, cancellationToken) is not { } cids)
        {
            return null;
        }
        List<ChunkEntry> chunks = [];
        await using (var command = ChunksCommand(connection, transaction, space, [.. cids]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                chunks.Add(Read(reader, space));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new VectorChanges(head.Generation, cids, chunks);
    }

    /// <summary>
    /// What names <paramref name="space"/>'s vectors in this store for a saved graph: the store (server, database,
    /// schema), whose one saved graph a node keeps, and the table in it, with its oid and file node, so a recreated,
    /// restored or rewritten table (TRUNCATE, VACUUM FULL) is another one. Null when the table is gone.
    /// </summary>
    public async Task<SavedGraphSource?> ReadSourceAsync(VectorSpace space, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT format('%s:%s/%s/%s', coalesce(host(inet_server_addr()), 'socket'), inet_server_port(), current_database(), n.nspname),
                   format('%s oid %s node %s', c.relname, c.oid, pg_relation_filenode(c.oid))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = to_regclass(@table)
            """);
        command.Parameters.AddWithValue("table", space.ReducedTable is { } reduced ? WhiteningStore.QuoteTable(reduced) : "chunk_embeddings");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new SavedGraphSource(reader.GetString(0), reader.GetString(1)) : null;
    }

    private async Task<(long Generation, VectorSpace? Space)> ReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT g.value, a.model_id, m.dimensions, a.whitening_version, w.dims, w.reduced_table
            FROM index_generation g
            CROSS JOIN active_index a
            LEFT JOIN encoder_models m ON m.id = a.model_id
            LEFT JOIN whitening_models w ON w.version = a.whitening_version
            """, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var generation = reader.GetInt64(0);
        if (reader.IsDBNull(1))
        {
            return (generation, null);
        }
        // Disabled, searches read the raw vectors whatever version is live (WhiteningStore.RunOnActiveAsync).
        var space = !whitening.Enabled || reader.IsDBNull(3)
            ? new VectorSpace(reader.GetInt32(1), 0, reader.GetInt32(2), null)
            : new VectorSpace(reader.GetInt32(1), reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5));
        return (generation, space);
    }

    /// <summary>The space's chunk vectors, of every post or of <paramref name="cids"/>' (through <c>chunks</c>' index on cid).</summary>
    private static NpgsqlCommand ChunksCommand(NpgsqlConnection connection, NpgsqlTransaction transaction, VectorSpace space, long[]? cids)
    {
        var filter = cids is null ? "" : "AND c.cid = ANY(@cids)";
        // Only integers from the database and a table name checked by WhiteningStore.QuoteTable reach the SQL text.
        var command = new NpgsqlCommand(space.ReducedTable is null
            ? $"SELECT e.chunk_id, c.cid, e.embedding FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE e.model_id = {space.ModelId} {filter}"
            : $"SELECT v.chunk_id, c.cid, v.embedding FROM {WhiteningStore.QuoteTable(space.ReducedTable)} v JOIN chunks c ON c.id = v.chunk_id WHERE true {filter}",
            connection, transaction);
        if (cids is not null)
        {
            command.Parameters.AddWithValue("cids", cids);
        }
        return command;
    }

    private static ChunkEntry Read(NpgsqlDataReader reader, VectorSpace space) => new(reader.GetInt64(0), reader.GetInt64(1),
        space.ReducedTable is null ? reader.GetFieldValue<Vector>(2).ToArray() : ReducedVectors.FromStored(reader.GetFieldValue<HalfVector>(2)));
}
