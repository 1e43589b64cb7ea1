using System.Diagnostics;
using System.Numerics.Tensors;
using BlogSemanticIndex.Whitening;
using Cloud.Unum.USearch;
using Npgsql;
using Pgvector;

namespace LoadBench;

/// <summary>
/// The semantic leg's candidate query — the nearest 400 chunks, each post's best kept — through an HNSW index in this
/// process (USearch, cosine, half precision, m 16 and ef_construction 200 as the shipped pgvector index) over the searched
/// table's vectors: what a vector index kept in each node, as the keyword index is, would cost per search, and its
/// recall of the top 10 posts against exact search over the same vectors.
/// </summary>
internal sealed class InProcessHnsw : IDisposable
{
    private const int Connectivity = 16;
    private const int ExpansionAdd = 200;

    private readonly USearchIndex _index;
    private readonly Dictionary<ulong, long> _postOf;
    private readonly List<float[]> _vectors;
    private readonly List<ulong> _chunks;
    private readonly SemaphoreSlim _searching = new(Environment.ProcessorCount);

    private InProcessHnsw(USearchIndex index, Dictionary<ulong, long> postOf, List<float[]> vectors, List<ulong> chunks, TimeSpan buildTime)
    {
        (_index, _postOf, _vectors, _chunks, BuildTime) = (index, postOf, vectors, chunks, buildTime);
    }

    /// <summary>How long reading the table and building the index took.</summary>
    public TimeSpan BuildTime { get; }

    public static async Task<InProcessHnsw> BuildAsync(NpgsqlDataSource dataSource, ActiveWhitening active, int expansionSearch)
    {
        var clock = Stopwatch.StartNew();
        var (postOf, vectors, chunks) = (new Dictionary<ulong, long>(), new List<float[]>(), new List<ulong>());
        // Only a table name from the whitening store reaches the SQL text.
        await using (var command = dataSource.CreateCommand($"SELECT chunk_id, cid, embedding FROM {active.QuotedTable}"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var chunk = (ulong)reader.GetInt64(0);
                postOf[chunk] = reader.GetInt64(1);
                chunks.Add(chunk);
                vectors.Add(ReducedVectors.FromStored(reader.GetFieldValue<HalfVector>(2)));
            }
        }
        var index = new USearchIndex(MetricKind.Cos, ScalarKind.Float16, (ulong)active.Model.Dims, Connectivity, ExpansionAdd, (ulong)expansionSearch, false);
        index.Add([.. chunks], [.. vectors]);
        return new InProcessHnsw(index, postOf, vectors, chunks, clock.Elapsed);
    }

    /// <summary>One request of the reference row: a precomputed query vector's <paramref name="rows"/> nearest chunks.</summary>
    /// <remarks>
    /// USearch keeps one search context per core and refuses a search beyond them ("Reserve capacity ahead of
    /// searches"), so at most that many search at once and the other clients wait, as a node's searches would.
    /// </remarks>
    public Func<Task<Outcome>> Nearest(IReadOnlyList<float[]> queries, int rows)
    {
        var next = 0L;
        return async () =>
        {
            var query = queries[(int)(Interlocked.Increment(ref next) % queries.Count)];
            await _searching.WaitAsync();
            try
            {
                return _index.Search(query, rows, out _, out _) == 0 ? new Outcome(Empty: true) : Outcome.Ok;
            }
            finally
            {
                _searching.Release();
            }
        };
    }

    /// <summary>Recall@10 of the top 10 posts made of the <paramref name="rows"/> nearest chunks, against exact search (every vector, float).</summary>
    public double PostRecallAt10(IReadOnlyList<float[]> queries, int rows)
    {
        var normalized = _vectors.Select(Normalized).ToList();
        var found = 0;
        foreach (var query in queries)
        {
            var q = Normalized(query);
            var exact = BestPosts(normalized.Select((v, i) => (_chunks[i], TensorPrimitives.Dot(v, q))).OrderByDescending(x => x.Item2).Take(rows));
            var count = _index.Search(query, rows, out var keys, out var distances);
            found += BestPosts(Enumerable.Range(0, count).Select(i => (keys[i], 1 - distances[i]))).Intersect(exact).Count();
        }
        return found / (10.0 * queries.Count);
    }

    private List<long> BestPosts(IEnumerable<(ulong Chunk, float Similarity)> nearest) => [.. nearest
        .GroupBy(n => _postOf[n.Chunk])
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

    public void Dispose()
    {
        _index.Dispose();
        _searching.Dispose();
    }
}
