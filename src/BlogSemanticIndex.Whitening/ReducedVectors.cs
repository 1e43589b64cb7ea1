using Npgsql;
using Pgvector;

namespace BlogSemanticIndex.Whitening;

/// <summary>
/// How a version's reduced vectors are stored: pgvector <c>halfvec</c> (16-bit floats), beside the chunk's post.
/// </summary>
/// <remarks>
/// Half the bytes of <c>vector</c>, so a 100,000-chunk table and its HNSW index (56 + 79 MB instead of 112 + 130 MB)
/// stay in PostgreSQL's default 128 MB of shared buffers far more often, and each distance reads half the memory;
/// with the post id beside the vector the semantic leg's scan needs no join. Together: its 400-row query 19.1 → 10.6 ms
/// at the same recall (bench/LoadBench, src/BlogSemanticIndex.Search/README.md). 16 bits keep ~3 significant digits
/// per component of a unit-length vector, below what the ranking can see (bench/SearchEval's served-whitening rows).
/// </remarks>
public static class ReducedVectors
{
    /// <summary>pgvector's type of the column, for a version of <paramref name="dims"/> dimensions.</summary>
    public static string ColumnType(int dims) => $"halfvec({dims})";

    public static HalfVector ToStored(float[] vector)
    {
        var half = new Half[vector.Length];
        for (var i = 0; i < vector.Length; i++)
        {
            half[i] = (Half)vector[i];
        }
        return new HalfVector(half);
    }

    public static float[] FromStored(HalfVector stored)
    {
        var span = stored.Memory.Span;
        var vector = new float[span.Length];
        for (var i = 0; i < span.Length; i++)
        {
            vector[i] = (float)span[i];
        }
        return vector;
    }
}

/// <summary>Reads a <see cref="ChunkVector"/> from a row (chunk_id, cid, text_hash, embedding) of <c>chunk_embeddings</c> joined to <c>chunks</c>.</summary>
internal static class ChunkVectorReader
{
    public static ChunkVector Read(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2), reader.GetFieldValue<Vector>(3).ToArray());
}
