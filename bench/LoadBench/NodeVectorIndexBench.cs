using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Vectors;
using BlogSemanticIndex.Whitening;
using Npgsql;

namespace LoadBench;

/// <summary>
/// The service's <see cref="NodeVectorIndex"/>, built here from the searched table as a node builds it
/// (<see cref="VectorChangeFeed"/>): its build time, its recall of the semantic leg's top 10 posts against exact search
/// over the same vectors, and the leg's candidate query through it alone, against the same query in pgvector.
/// </summary>
internal sealed class NodeVectorIndexBench : IDisposable
{
    private readonly NodeVectorIndex _index;
    private readonly VectorSpace _space;
    private readonly List<ChunkEntry> _chunks;

    private NodeVectorIndexBench(NodeVectorIndex index, VectorSpace space, List<ChunkEntry> chunks, TimeSpan buildTime)
    {
        (_index, _space, _chunks, BuildTime) = (index, space, chunks, buildTime);
    }

    /// <summary>How long reading the vectors and building the graph took.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>Chunks the build found no search through the graph reaches, which each search scans instead.</summary>
    public int Orphans => _index.Orphans;

    /// <param name="graph">The graph's m and ef_construction, when not the shipped ones (<c>--node-graph</c>).</param>
    public static async Task<NodeVectorIndexBench> BuildAsync(NpgsqlDataSource dataSource, int expansionSearch, (int M, int EfConstruction)? graph = null)
    {
        var clock = Stopwatch.StartNew();
        var index = graph is { } settings ? new NodeVectorIndex(expansionSearch, settings.M, settings.EfConstruction) : new NodeVectorIndex(expansionSearch);
        var head = new StrongBox<(long Generation, VectorSpace? Space)>();
        var chunks = new List<ChunkEntry>();
        await index.RebuildAsync(Kept(new VectorChangeFeed(dataSource, new WhiteningStore(dataSource)).ReadAllAsync(head, default), chunks), () => head.Value, default);
        return new NodeVectorIndexBench(index, head.Value.Space ?? throw new InvalidOperationException("no active encoder model"), chunks, clock.Elapsed);

        static async IAsyncEnumerable<ChunkEntry> Kept(IAsyncEnumerable<ChunkEntry> chunks, List<ChunkEntry> kept)
        {
            await foreach (var chunk in chunks)
            {
                kept.Add(chunk);
                yield return chunk;
            }
        }
    }

    /// <summary>
    /// Saves the graph where the service looks for its store's saved graph (<see cref="VectorIndexSync"/>), so the
    /// measured service takes this build up at start instead of building the same graph again (13 minutes at 500,000
    /// chunks). The service takes it up only when its own graph settings are the ones saved. Returns the folder.
    /// </summary>
    public async Task<string?> SaveForTheServiceAsync(NpgsqlDataSource dataSource)
    {
        if (await new VectorChangeFeed(dataSource, new WhiteningStore(dataSource)).ReadSourceAsync(_space, default) is not { } source)
        {
            return null;
        }
        var folder = VectorIndexSync.FolderOf(new SearchOptions().VectorIndexFolderOrDefault, source);
        return _index.SaveTo(folder, source.ToString()) ? folder : null;
    }

    /// <summary>One request of the reference row: a precomputed query vector's <paramref name="rows"/> nearest chunks.</summary>
    public Func<Task<Outcome>> Nearest(IReadOnlyList<float[]> queries, int rows)
    {
        var next = 0L;
        return async () =>
        {
            var query = queries[(int)(Interlocked.Increment(ref next) % queries.Count)];
            var nearest = await _index.NearestAsync(_space, query, rows, excludeCid: null, default);
            return nearest is null or { Count: 0 } ? new Outcome(Empty: true) : Outcome.Ok;
        };
    }

    /// <summary>
    /// Recall@10 of the top 10 posts made of the <paramref name="rows"/> nearest chunks, against exact search (every
    /// vector, float), with the graph searched for each of <paramref name="candidateLists"/> rows first (USearch's
    /// candidate list is the larger of its own and the rows asked for), the nearest <paramref name="rows"/> of them
    /// kept, as a longer candidate list would give them; with
    /// the mean wall time of one such search, one at a time. Two more readings tell misses from near-ties: against
    /// exact search with the query rounded to half precision, as the graph reads it, and ann-benchmarks' recall,
    /// where a post counts when its exact similarity is within <see cref="TieTolerance"/> of the exact 10th post's.
    /// </summary>
    public async Task<List<NodeRecall>> PostRecallAt10(IReadOnlyList<float[]> queries, int rows, IReadOnlyList<int> candidateLists)
    {
        var normalized = _chunks.Select(c => Normalized(c.Vector)).ToList();
        var exact = queries.Select(query => ExactPosts(normalized, query, rows)).ToList();
        var exactSimilarity = exact.Select(posts => posts.ToDictionary(p => p.Cid, p => p.Similarity)).ToList();
        var exactHalfQuery = queries.Select(query => ExactPosts(normalized, [.. query.Select(x => (float)(Half)x)], rows)).ToList();
        var results = new List<NodeRecall>();
        foreach (var candidates in candidateLists)
        {
            var (found, foundHalf, withinTolerance, clock) = (0, 0, 0, new Stopwatch());
            for (var i = 0; i < queries.Count; i++)
            {
                clock.Start();
                var nearest = await _index.NearestAsync(_space, queries[i], Math.Max(rows, candidates), excludeCid: null, default) ?? [];
                clock.Stop();
                var posts = BestPosts(nearest.Take(rows).Select(n => (n.Cid, n.Similarity))).Take(10).Select(p => p.Cid).ToList();
                found += posts.Intersect(exact[i].Take(10).Select(p => p.Cid)).Count();
                foundHalf += posts.Intersect(exactHalfQuery[i].Take(10).Select(p => p.Cid)).Count();
                var tenth = exact[i][Math.Min(9, exact[i].Count - 1)].Similarity;
                withinTolerance += posts.Count(cid => exactSimilarity[i].TryGetValue(cid, out var s) && s >= tenth - TieTolerance);
            }
            var asked = 10.0 * queries.Count;
            results.Add(new NodeRecall(candidates, found / asked, foundHalf / asked, withinTolerance / asked, clock.Elapsed.TotalMilliseconds / queries.Count));
        }
        return results;
    }

    /// <summary>
    /// How many of <paramref name="sample"/> stored chunks (evenly spaced through the build order) a search for their own
    /// vector finds among its 10 nearest at a candidate list of <paramref name="candidateList"/>: a chunk no search
    /// reaches caps recall whatever the list, which a longer list cannot tell from a hard query. A chunk counts as found
    /// when it, or another chunk with the same vector, comes back.
    /// </summary>
    public async Task<(int Found, int Sample)> SelfFound(int sample, int candidateList)
    {
        var found = 0;
        var step = Math.Max(1, _chunks.Count / sample);
        var asked = 0;
        for (var i = 0; i < _chunks.Count && asked < sample; i += step, asked++)
        {
            var chunk = _chunks[i];
            var nearest = await _index.NearestAsync(_space, chunk.Vector, Math.Max(10, candidateList), excludeCid: null, default) ?? [];
            if (nearest.Take(10).Any(n => n.ChunkId == chunk.ChunkId || n.Similarity >= 1 - 1e-6))
            {
                found++;
            }
        }
        return (found, asked);
    }

    /// <summary>ann-benchmarks' default tolerance on a distance (here, cosine similarity).</summary>
    public const double TieTolerance = 1e-3;

    /// <summary>The recall of the graph's top 10 posts at one candidate list (<see cref="PostRecallAt10"/>).</summary>
    public sealed record NodeRecall(int CandidateList, double Recall, double RecallOfHalfQuery, double RecallWithinTolerance, double MeanMs);

    /// <summary>Posts of the exact <paramref name="rows"/> nearest chunks, each by its best chunk, best first.</summary>
    private List<(long Cid, double Similarity)> ExactPosts(List<float[]> normalized, float[] query, int rows)
    {
        var q = Normalized(query);
        return BestPosts(normalized.Select((v, i) => (_chunks[i].Cid, (double)TensorPrimitives.Dot(v, q))).OrderByDescending(x => x.Item2).Take(rows));
    }

    private static List<(long Cid, double Similarity)> BestPosts(IEnumerable<(long Cid, double Similarity)> nearest) => [.. nearest
        .GroupBy(n => n.Cid)
        .Select(g => (Cid: g.Key, Similarity: g.Max(n => n.Similarity)))
        .OrderByDescending(p => p.Similarity).ThenBy(p => p.Cid)];

    private static float[] Normalized(float[] vector)
    {
        var result = new float[vector.Length];
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), result);
        return result;
    }

    public void Dispose() => _index.Dispose();
}
