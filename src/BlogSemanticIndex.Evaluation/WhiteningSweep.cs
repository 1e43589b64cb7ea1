using System.Diagnostics;
using System.Numerics.Tensors;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Whitening;
using Npgsql;
using Pgvector;

namespace BlogSemanticIndex.Evaluation;

/// <summary>One (β, γ, k) to try; null for the raw vectors.</summary>
public sealed record SweepPoint(double Beta, double Gamma, int Dims);

/// <summary>
/// A row of the sweep: the setting, the share of the variance its k directions keep, retrieval quality of the
/// semantic leg and of hybrid search with it, and what a chunk's vector costs in pgvector.
/// </summary>
public sealed record SweepRow(SweepPoint? Point, int Dims, double? ExplainedVariance, RetrievalScores Semantic, RetrievalScores Hybrid)
{
    /// <summary>pgvector stores vector(k) as 4 bytes per dimension plus an 8-byte header.</summary>
    public int BytesPerChunk => 4 * Dims + 8;
}

/// <summary>
/// Evaluates a grid of whitening hyperparameters on a labelled set, over the index's own raw chunk vectors: one
/// covariance and eigendecomposition, then for each (β, γ, k) the chunks and the queries are transformed in memory
/// and ranked by exact cosine search (post score = its best chunk), alone and fused with the service's keyword
/// ranking as hybrid search does. Nothing in the index changes; an owner picks a setting and runs
/// <c>bsi whitening fit</c> with it.
/// </summary>
/// <remarks>
/// Exact search rather than HNSW so the table measures the transform, not the index's recall (which the load
/// benchmark reports separately; at the default ef_search it is ≥ 0.99).
/// </remarks>
public sealed class WhiteningSweep(NpgsqlDataSource dataSource, KeywordSearcher keyword, IQueryEmbedder embedder, SearchOptions options)
{
    /// <summary>The grid <c>bsi whitening sweep</c> runs when none is given: β ∈ {0, 1}, γ ∈ {0, ½, 1}, k ∈ {64, 128, ⅔d, d}.</summary>
    public static IReadOnlyList<SweepPoint> DefaultGrid(int modelDimensions) =>
        Grid([0, 1], [0, 0.5, 1], [.. new[] { 64, 128, WhiteningParameters.AutoDims(modelDimensions), modelDimensions }
            .Where(k => k <= modelDimensions).Distinct().Order()]);

    public static IReadOnlyList<SweepPoint> Grid(IEnumerable<double> betas, IEnumerable<double> gammas, IEnumerable<int> dims) =>
        [.. from b in betas from g in gammas from k in dims select new SweepPoint(b, g, k)];

    /// <summary>The raw row first, then one row per grid point in order.</summary>
    public async Task<IReadOnlyList<SweepRow>> RunAsync(int modelId, IReadOnlyList<LabelledQuery> queries, IReadOnlyList<SweepPoint> grid,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var (chunkCids, chunkIds, chunkVectors) = await LoadChunkVectorsAsync(modelId, cancellationToken);
        if (chunkVectors.Count < 2)
        {
            throw new InvalidOperationException($"encoder model {modelId} has {chunkVectors.Count} chunk vectors in the index; index the blog first.");
        }
        var dimensions = chunkVectors[0].Length;
        foreach (var point in grid)
        {
            new WhiteningParameters(point.Beta, point.Gamma, point.Dims).ValidateOrThrow(dimensions);
        }
        progress?.Report($"{chunkVectors.Count} chunk vectors of {chunkCids.Distinct().Count()} posts; embedding {queries.Count} queries");
        var queryVectors = queries.Select(q => embedder.EmbedQuery(q.Query)).ToList();
        var keywordRankings = new List<IReadOnlyList<long>>(queries.Count);
        foreach (var query in queries)
        {
            keywordRankings.Add([.. (await keyword.SearchAsync(query.Query, options.KeywordCandidates, cancellationToken)).Select(h => h.Cid)]);
        }
        var watch = Stopwatch.StartNew();
        var spectrum = WhiteningFitter.FitSpectrum(chunkVectors);
        progress?.Report($"covariance and eigendecomposition in {watch.Elapsed.TotalSeconds:F1} s");

        var rows = new List<SweepRow> { Score(null, dimensions, null, Normalised(chunkVectors), Normalised(queryVectors)) };
        foreach (var point in grid)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var model = spectrum.ToModel(new WhiteningParameters(point.Beta, point.Gamma, point.Dims));
            rows.Add(Score(point, model.Dims, spectrum.ExplainedVariance(model.Dims), model.TransformBatch(chunkVectors), model.TransformBatch(queryVectors)));
            progress?.Report($"β={point.Beta} γ={point.Gamma} k={point.Dims}: nDCG@10 {rows[^1].Semantic.NdcgAt10:F4}");
        }
        return rows;

        SweepRow Score(SweepPoint? point, int dims, double? explained, IReadOnlyList<float[]> chunks, IReadOnlyList<float[]> reducedQueries)
        {
            var semantic = new IReadOnlyList<long>[queries.Count];
            var hybrid = new IReadOnlyList<long>[queries.Count];
            Parallel.For(0, queries.Count, i =>
            {
                var ranked = RankPosts(reducedQueries[i], chunks, chunkCids, chunkIds, options.SemanticCandidates);
                semantic[i] = [.. ranked.Select(r => r.Cid)];
                hybrid[i] = [.. RankFusion.Fuse(keywordRankings[i], ranked, options.RrfK).Select(p => p.Cid)];
            });
            return new SweepRow(point, dims, explained, RetrievalScores.Of(queries, semantic), RetrievalScores.Of(queries, hybrid));
        }
    }

    /// <summary>The posts whose best chunk is most similar to <paramref name="query"/>, best first (as the semantic leg ranks).</summary>
    internal static List<(long Cid, long ChunkId)> RankPosts(float[] query, IReadOnlyList<float[]> chunks, IReadOnlyList<long> chunkCids,
        IReadOnlyList<long> chunkIds, int limit)
    {
        var best = new Dictionary<long, (float Similarity, long ChunkId)>();
        for (var c = 0; c < chunks.Count; c++)
        {
            var similarity = TensorPrimitives.Dot(query, chunks[c]);
            if (!best.TryGetValue(chunkCids[c], out var current) || similarity > current.Similarity)
            {
                best[chunkCids[c]] = (similarity, chunkIds[c]);
            }
        }
        return [.. best.OrderByDescending(p => p.Value.Similarity).ThenBy(p => p.Key).Take(limit).Select(p => (p.Key, p.Value.ChunkId))];
    }

    private static List<float[]> Normalised(IReadOnlyList<float[]> vectors) =>
        [.. vectors.Select(v =>
        {
            var copy = (float[])v.Clone();
            var norm = TensorPrimitives.Norm(copy);
            TensorPrimitives.Divide(copy, norm > 0 ? norm : 1, copy);
            return copy;
        })];

    private async Task<(List<long> Cids, List<long> ChunkIds, List<float[]> Vectors)> LoadChunkVectorsAsync(int modelId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.cid, c.id, e.embedding FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id
            WHERE e.model_id = @model ORDER BY c.id
            """);
        command.Parameters.AddWithValue("model", modelId);
        var (cids, ids, vectors) = (new List<long>(), new List<long>(), new List<float[]>());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            cids.Add(reader.GetInt64(0));
            ids.Add(reader.GetInt64(1));
            vectors.Add(reader.GetFieldValue<Vector>(2).ToArray());
        }
        return (cids, ids, vectors);
    }
}
