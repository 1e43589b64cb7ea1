namespace BlogSemanticIndex.Search.Vectors;

/// <summary>
/// The vectors the semantic leg searches: an encoder model's raw vectors (<c>chunk_embeddings</c>, whitening version 0)
/// or one whitening version's reduced table.
/// </summary>
/// <param name="ReducedTable">The whitening version's table; null for raw vectors.</param>
public sealed record VectorSpace(int ModelId, int WhiteningVersion, int Dimensions, string? ReducedTable);

/// <summary>A chunk's vector in a space, with its post.</summary>
public readonly record struct ChunkEntry(long ChunkId, long Cid, float[] Vector);

/// <summary>A chunk a vector search found, with its cosine similarity to the query.</summary>
public readonly record struct NearChunk(long ChunkId, long Cid, double Similarity);
