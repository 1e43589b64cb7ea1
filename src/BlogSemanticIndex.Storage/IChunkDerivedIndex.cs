using Npgsql;

namespace BlogSemanticIndex.Storage;

/// <summary>
/// Something kept beside the chunks that must change in the same transaction as they do (the active
/// whitening version's reduced vectors, the keyword statistics), so no search ever sees chunks
/// without it. Deleted chunks take their rows with them by cascade; this writes the new ones.
/// </summary>
public interface IChunkDerivedIndex
{
    /// <summary>Writes the rows for <paramref name="chunkIds"/>, just inserted with vectors from encoder <paramref name="modelId"/>.</summary>
    Task WriteChunksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int modelId, IReadOnlyList<long> chunkIds,
        CancellationToken cancellationToken);
}
