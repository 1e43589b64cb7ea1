using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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

    /// <summary>Recall@10 of the top 10 posts made of the <paramref name="rows"/> nearest chunks, against exact search (every vector, float).</summary>
    public async Task<double> PostRecallAt10(IReadOnlyList<float[]> queries, int rows)
    {
        var normalized = _chunks.Select(c => Normalized(c.Vector)).ToList();
        var found = 0;
        foreach (var query in queries)
        {
            var q = Normalized(query);
            var exact = BestPosts(normalized.Select((v, i) => (_chunks[i].Cid, (double)TensorPrimitives.Dot(v, q))).OrderByDescending(x => x.Item2).Take(rows));
            var nearest = await _index.NearestAsync(_space, query, rows, excludeCid: null, default) ?? [];
            found += BestPosts(nearest.Select(n => (n.Cid, n.Similarity))).Intersect(exact).Count();
        }
        return found / (10.0 * queries.Count);
    }

    private static List<long> BestPosts(IEnumerable<(long Cid, double Similarity)> nearest) => [.. nearest
        .GroupBy(n => n.Cid)
        .Select(g => (Cid: g.Key, Similarity: g.Max(n => n.Similarity)))
        .OrderByDescending(p => p.Similarity).ThenBy(p => p.Cid)
        .Take(10)
        .Select(p => p.Cid)];

    private static float[] Normalized(float[] vector)
    {
        var result = new float[vector.Length];
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), result);
        return result;
    }

    public void Dispose() => _index.Dispose();
}
