using System.Diagnostics;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Options;
using Npgsql;
using Pgvector;
using BlogSemanticIndex.Search.Vectors;

namespace BlogSemanticIndex.Search;

/// <summary>
/// A post the semantic leg found: the cosine similarity of its best chunk, that chunk, and whether the similarity clears
/// the space's relevance floor (<see cref="SemanticFloor"/>; true when the floor is off).
/// </summary>
public readonly record struct SemanticHit(long Cid, double Similarity, long ChunkId, bool ClearsFloor = true);

/// <summary>Why the semantic leg cannot run (no index yet, or the index was built by another encoder).</summary>
public sealed class SemanticUnavailableException(string message) : Exception(message);

/// <summary>
/// The semantic leg: the query vector (whitened when a whitening version is live) against the chunk vectors
/// through this node's <see cref="NodeVectorIndex"/> when it holds the active space, else pgvector's HNSW index, then per
/// post the best chunk wins; with <see cref="SearchOptions.RelevanceFloor"/>,
/// each hit says whether it clears the space's <see cref="SemanticFloor"/> (the caller decides what that removes).
/// </summary>
public sealed class SemanticSearcher(NpgsqlDataSource dataSource, WhiteningStore whitening, IQueryEmbedder embedder, IOptions<SearchOptions> options,
    SemanticFloor? floor = null, NodeVectorIndex? vectorIndex = null)
{
    /// <summary>Chunks fetched per wanted post: posts have several chunks, and the best chunk per post is kept.</summary>
    private const int ChunksPerPost = 4;

    /// <summary>
    /// The node graph's search candidate list: twice the rows the leg asks for (and at least <c>Search:EfSearch</c>).
    /// Measured on LoadBench's 100,000 chunks (200 queries, the top 10 posts of the leg's 400 rows against exact
    /// search): recall@10 0.980 at 400, 0.990 at 600, 0.992 at 800 — where pgvector reaches 0.992 at 400; m 24 and 32
    /// at 400 reached only 0.980 and 0.982.
    /// </summary>
    public static int NodeGraphExpansion(SearchOptions options) => Math.Max(options.EfSearch, 2 * options.SemanticCandidates * ChunksPerPost);

    /// <summary>pgvector's largest <c>hnsw.ef_search</c>.</summary>
    private const int MaxEfSearch = 1000;

    private readonly SearchOptions _options = options.Value;

    /// <summary>How much of <paramref name="text"/> the loaded encoder reads.</summary>
    public Tokenization.CoverageReport MeasureCoverage(string text) => embedder.MeasureCoverage(text);

    /// <summary>The <paramref name="limit"/> posts nearest to the query, best first (ties by cid).</summary>
    /// <exception cref="SemanticUnavailableException">No active encoder model, or not the one this service loaded.</exception>
    public async Task<IReadOnlyList<SemanticHit>> SearchAsync(string query, int limit, CancellationToken cancellationToken = default)
    {
        var model = await RequireActiveModelAsync(matchEmbedder: true, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var raw = embedder.EmbedQuery(query);
        SearchMetrics.QueryEmbeddingDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return await whitening.RunOnActiveAsync(async (active, ct) =>
        {
            var hits = await NearestPostsAsync(active, model, active is null ? raw : active.Model.Transform(raw), excludeCid: null, limit, ct);
            if (floor is null || !_options.RelevanceFloor)
            {
                return hits;
            }
            // Until this node knows the floor (computed in the background at the first search), no post is held back.
            if (floor.TryGet(model.Id, active?.Version ?? 0, (probe, probeCt) => BestSimilarityAsync(active, model, probe, probeCt)) is not { } minimum)
            {
                return hits;
            }
            return [.. hits.Select(h => h with { ClearsFloor = h.Similarity > minimum })];
        }, cancellationToken);
    }

    /// <summary>Computes the active space's relevance floor now if this node does not know it yet (start-up, tests, evaluation).</summary>
    public async Task<double?> PrepareRelevanceFloorAsync(CancellationToken cancellationToken = default)
    {
        if (floor is null)
        {
            return null;
        }
        var model = await RequireActiveModelAsync(matchEmbedder: true, cancellationToken);
        return await whitening.RunOnActiveAsync((active, ct) =>
            floor.GetAsync(model.Id, active?.Version ?? 0, (probe, probeCt) => BestSimilarityAsync(active, model, probe, probeCt), ct), cancellationToken);
    }

    /// <summary>How similar the nearest chunk is to <paramref name="text"/> embedded as a query.</summary>
    private async Task<double> BestSimilarityAsync(ActiveWhitening? active, ActiveModel model, string text, CancellationToken cancellationToken)
    {
        var vector = embedder.EmbedQuery(text);
        var best = await NearestPostsAsync(active, model, active is null ? vector : active.Model.Transform(vector), excludeCid: null, 1, cancellationToken);
        return best.Count == 0 ? double.NegativeInfinity : best[0].Similarity;
    }

    /// <summary>
    /// Posts nearest to post <paramref name="cid"/> (the mean of its chunk vectors), itself excluded; null when
    /// the post is not in the index.
    /// </summary>
    public async Task<IReadOnlyList<SemanticHit>?> RelatedAsync(long cid, int limit, CancellationToken cancellationToken = default)
    {
        // The stored vectors are compared with each other only, so related posts need no encoder loaded.
        var model = await RequireActiveModelAsync(matchEmbedder: false, cancellationToken);
        return await whitening.RunOnActiveAsync(async (active, ct) =>
        {
            // Through chunks (cid, ordinal): the reduced table has no index on cid, and needs none for searching.
            var sql = active is null
                ? "SELECT e.embedding FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE c.cid = @cid AND e.model_id = @model"
                : $"SELECT v.embedding FROM {active.QuotedTable} v JOIN chunks c ON c.id = v.chunk_id WHERE c.cid = @cid";
            float[]? centroid = null;
            var count = 0;
            await using (var command = dataSource.CreateCommand(sql))
            {
                command.Parameters.AddWithValue("cid", cid);
                command.Parameters.AddWithValue("model", model.Id);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var vector = active is null ? reader.GetFieldValue<Vector>(0).ToArray() : ReducedVectors.FromStored(reader.GetFieldValue<HalfVector>(0));
                    centroid ??= new float[vector.Length];
                    for (var i = 0; i < vector.Length; i++)
                    {
                        centroid[i] += vector[i];
                    }
                    count++;
                }
            }
            if (centroid is null)
            {
                return null;
            }
            // Cosine distance ignores length, so the sum serves as the mean.
            return await NearestPostsAsync(active, model, centroid, cid, limit, ct);
        }, cancellationToken);
    }

    private readonly record struct ActiveModel(int Id, int Dimensions);

    /// <param name="matchEmbedder">The query will be embedded: the index must be this service's encoder's vector space.</param>
    private async Task<ActiveModel> RequireActiveModelAsync(bool matchEmbedder, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT m.id, m.name, m.revision, m.dimensions FROM active_index a JOIN encoder_models m ON m.id = a.model_id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new SemanticUnavailableException("the index has no active encoder model yet (the indexer has not finished a first run)");
        }
        var (id, name, revision) = (reader.GetInt32(0), reader.GetString(1), reader.GetString(2));
        if (matchEmbedder && (name != embedder.ModelName || revision != embedder.ModelRevision))
        {
            throw new SemanticUnavailableException(
                $"the index was built by encoder {name}@{revision} but this service loaded {embedder.ModelName}@{embedder.ModelRevision}");
        }
        return new ActiveModel(id, reader.GetInt32(3));
    }

    /// <summary>
    /// The HNSW candidate list for a scan that must return <paramref name="rows"/> rows: at least the configured
    /// <paramref name="efSearch"/> (the recall setting), and at least the rows asked for, up to pgvector's maximum.
    /// </summary>
    /// <remarks>
    /// One HNSW pass yields ef_search candidates; rows past them come from the iterative scan's further passes,
    /// which cost far more than a single wider pass: 400 rows over 100,000 chunks took 48 ms with ef_search 100
    /// against 10 ms with ef_search 400 (bench/LoadBench).
    /// </remarks>
    internal static int EfSearchFor(int efSearch, int rows) => Math.Max(efSearch, Math.Min(rows, MaxEfSearch));

    /// <summary>
    /// The ANN query. <c>hnsw.iterative_scan = relaxed_order</c> lets pgvector keep scanning when a filter drops
    /// candidates, so the limit is still filled; relaxed order means the rows are re-sorted here.
    /// </summary>
    /// <remarks>
    /// No join decides visibility: a post hidden or deleted leaves <c>posts</c>, and its chunks and their vectors go with
    /// it in the same transaction (foreign keys ON DELETE CASCADE). The reduced table carries each chunk's post id, so
    /// its scan needs no join at all.
    /// </remarks>
    /// <remarks>
    /// Raw vectors live in <c>chunk_embeddings.embedding</c>, a <c>vector</c> without a dimension, which an HNSW
    /// index cannot cover directly; the query orders by <c>embedding::vector(dims)</c> so that a partial
    /// expression index per model, <c>USING hnsw ((embedding::vector(dims)) vector_cosine_ops) WHERE model_id = id</c>,
    /// serves it. Without that index the raw search is exact (a scan).
    /// </remarks>
    private async Task<IReadOnlyList<SemanticHit>> NearestPostsAsync(ActiveWhitening? active, ActiveModel model, float[] queryVector, long? excludeCid,
        int limit, CancellationToken cancellationToken)
    {
        var rows = limit * ChunksPerPost;
        if (vectorIndex is not null)
        {
            var space = active is null
                ? new VectorSpace(model.Id, 0, model.Dimensions, null)
                : new VectorSpace(model.Id, active.Version, active.Model.Dims, active.ReducedTable);
            if (await vectorIndex.NearestAsync(space, queryVector, rows, excludeCid, cancellationToken) is { } near)
            {
                return BestPerPost(near, limit);
            }
        }
        // Only integers from the database and a table name checked by WhiteningStore.QuoteTable reach the SQL text.
        var sql = active is null
            ? $"""
                SELECT v.chunk_id, c.cid, v.embedding::vector({model.Dimensions}) <=> @query AS distance
                FROM chunk_embeddings v
                JOIN chunks c ON c.id = v.chunk_id
                WHERE c.cid <> @exclude AND v.model_id = {model.Id}
                ORDER BY v.embedding::vector({model.Dimensions}) <=> @query
                LIMIT @k
                """
            : $"""
                SELECT v.chunk_id, v.cid, v.embedding <=> @query AS distance
                FROM {active.QuotedTable} v
                WHERE v.cid <> @exclude
                ORDER BY v.embedding <=> @query
                LIMIT @k
                """;
        // One round trip: a batch runs as one implicit transaction, so the local settings hold for the query after them.
        await using var batch = dataSource.CreateBatch();
        var settings = new NpgsqlBatchCommand("SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)");
        settings.Parameters.Add(new NpgsqlParameter { Value = EfSearchFor(_options.EfSearch, rows).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var nearest = new NpgsqlBatchCommand(sql);
        nearest.Parameters.AddWithValue("query", active is null ? new Vector(queryVector) : ReducedVectors.ToStored(queryVector));
        nearest.Parameters.AddWithValue("exclude", excludeCid ?? -1L);
        nearest.Parameters.AddWithValue("k", rows);
        batch.BatchCommands.Add(settings);
        batch.BatchCommands.Add(nearest);
        List<NearChunk> chunks = [];
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                chunks.Add(new NearChunk(reader.GetInt64(0), reader.GetInt64(1), 1 - reader.GetDouble(2)));
            }
        }
        return BestPerPost(chunks, limit);
    }

    /// <summary>Each post's most similar chunk (ties by chunk id), the <paramref name="limit"/> best posts first (ties by cid).</summary>
    private static List<SemanticHit> BestPerPost(IEnumerable<NearChunk> chunks, int limit)
    {
        var best = new Dictionary<long, SemanticHit>();
        foreach (var (chunkId, cid, similarity) in chunks)
        {
            if (!best.TryGetValue(cid, out var hit) || similarity > hit.Similarity || similarity == hit.Similarity && chunkId < hit.ChunkId)
            {
                best[cid] = new SemanticHit(cid, similarity, chunkId);
            }
        }
        return best.Values.OrderByDescending(h => h.Similarity).ThenBy(h => h.Cid).Take(limit).ToList();
    }
}
