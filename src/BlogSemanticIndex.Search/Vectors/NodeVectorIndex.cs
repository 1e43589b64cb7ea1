using System.Collections.Concurrent;
using BlogSemanticIndex.Search.NodeIndexes;
using Cloud.Unum.USearch;

namespace BlogSemanticIndex.Search.Vectors;

/// <summary>
/// This node's HNSW graph of the searched vector space's chunk vectors (USearch, in memory), derived from PostgreSQL by
/// <see cref="VectorIndexSync"/>: built whole at start and whenever the active space changes (a new encoder model or
/// whitening version), then kept current from the change sequence. The semantic leg searches it instead of pgvector's
/// HNSW index when it holds the space the store says is active (<see cref="SemanticSearcher"/>).
/// </summary>
/// <remarks>
/// Why: pgvector's scan of the leg's 400 nearest chunks cost 11.4 ms of PostgreSQL CPU per search against 2.3 ms here,
/// the largest part of a hybrid search (bench/LoadBench, src/BlogSemanticIndex.Search/README.md). Vectors are kept in
/// 32-bit floats, as the query is (half precision, half the memory, was measured only at a candidate list of 400, where
/// both recalled 0.98: README). A chunk's key is its id; a post's chunks are removed and
/// added as the change sequence says, and the graph is rebuilt once removed chunks pass a quarter of the live ones
/// (USearch reuses their slots, but a graph thinned by removals loses recall).
/// </remarks>
/// <param name="expansionSearch">The search's candidate list (raised to the rows asked for), as pgvector's <c>ef_search</c>.</param>
/// <param name="connectivity">Links per node (<c>m</c>).</param>
/// <param name="expansionAdd">The candidate list while adding (<c>ef_construction</c>).</param>
public sealed class NodeVectorIndex(int expansionSearch, int connectivity = NodeVectorIndex.DefaultConnectivity, int expansionAdd = NodeVectorIndex.DefaultExpansionAdd)
    : NodeIndex, IDisposable
{
    public const int DefaultConnectivity = 16;
    public const int DefaultExpansionAdd = 200;
    private const ScalarKind Scalars = ScalarKind.Float32;

    private Graph? _graph;
    private bool _ready;

    public override string Name => "vector index";

    public override string FallbackWhileBuilding => "the semantic leg searches pgvector's HNSW index";

    public override bool IsReady => Volatile.Read(ref _ready);

    public override (string Unit, int Count) Size => ("chunks", Volatile.Read(ref _graph)?.PostOf.Count ?? 0);

    /// <summary>The space it holds; null before its first build or while no encoder model is active.</summary>
    public VectorSpace? Space => Volatile.Read(ref _graph)?.Space;

    /// <summary>Whether removals have thinned the graph enough that the next poll should rebuild it.</summary>
    public bool NeedsRebuild => Volatile.Read(ref _graph) is { } graph && graph.Removed > 1000 && graph.Removed > graph.PostOf.Count / 4;

    /// <summary>
    /// The <paramref name="rows"/> chunks nearest to <paramref name="query"/>, nearest first, leaving out the chunks of
    /// post <paramref name="excludeCid"/>; null when this index does not hold <paramref name="space"/> (not built yet, or
    /// built for another space): search PostgreSQL.
    /// </summary>
    public async ValueTask<IReadOnlyList<NearChunk>?> NearestAsync(VectorSpace space, float[] query, int rows, long? excludeCid,
        CancellationToken cancellationToken)
    {
        var graph = Volatile.Read(ref _graph);
        if (graph is null || graph.Space != space)
        {
            return null;
        }
        await graph.Contexts.WaitAsync(cancellationToken);
        try
        {
            graph.Lock.EnterReadLock();
            try
            {
                if (graph.Freed)
                {
                    return null;
                }
                var own = excludeCid is { } cid && graph.ChunksOf.TryGetValue(cid, out var chunks) ? chunks.Length : 0;
                var found = graph.Index.Search(query, rows + own, out var keys, out var distances);
                var nearest = new List<NearChunk>(Math.Min(found, rows));
                for (var i = 0; i < found && nearest.Count < rows; i++)
                {
                    // A chunk added a moment ago may not be in the map yet: it is found by the next search.
                    if (graph.PostOf.TryGetValue(keys[i], out var post) && post != excludeCid)
                    {
                        nearest.Add(new NearChunk((long)keys[i], post, 1 - distances[i]));
                    }
                }
                return nearest;
            }
            finally
            {
                graph.Lock.ExitReadLock();
            }
        }
        finally
        {
            graph.Contexts.Release();
        }
    }

    /// <summary>
    /// Replaces the whole index by <paramref name="chunks"/>, the vectors of the space at the generation
    /// <paramref name="head"/> returns once they are read (a null space: no encoder model is active, nothing to hold);
    /// searches go on meanwhile, through PostgreSQL when the space changed.
    /// </summary>
    public async Task RebuildAsync(IAsyncEnumerable<ChunkEntry> chunks, Func<(long Generation, VectorSpace? Space)> head,
        CancellationToken cancellationToken)
    {
        List<ChunkEntry> all = [];
        await foreach (var chunk in chunks.WithCancellation(cancellationToken))
        {
            all.Add(chunk);
        }
        var (generation, space) = head();
        Graph? graph = null;
        try
        {
            if (space is not null)
            {
                graph = new Graph(space, new USearchIndex(MetricKind.Cos, Scalars, (ulong)space.Dimensions, (ulong)connectivity, (ulong)expansionAdd, (ulong)expansionSearch));
                if (all.Count > 0)
                {
                    // One call: the graph grows to its size once, then adds on this thread alone (nothing searches it yet).
                    graph.Index.Add([.. all.Select(c => (ulong)c.ChunkId)], [.. all.Select(c => c.Vector)]);
                }
                foreach (var post in all.GroupBy(c => c.Cid))
                {
                    graph.ChunksOf[post.Key] = [.. post.Select(c => (ulong)c.ChunkId)];
                    foreach (var chunk in post)
                    {
                        graph.PostOf[(ulong)chunk.ChunkId] = post.Key;
                    }
                }
            }
            var old = Interlocked.Exchange(ref _graph, graph);
            AppliedGeneration = generation;
            Volatile.Write(ref _ready, true);
            old?.Free();
        }
        catch
        {
            graph?.Free();
            throw;
        }
    }

    /// <summary>
    /// Applies one batch of the change sequence: the chunks of each of <paramref name="changedCids"/> are removed and
    /// <paramref name="chunks"/> (their current chunks; none for a post hidden or deleted) added; then searches see the
    /// store at <paramref name="generation"/>.
    /// </summary>
    public void Apply(IReadOnlyCollection<long> changedCids, IReadOnlyList<ChunkEntry> chunks, long generation)
    {
        if (Volatile.Read(ref _graph) is not { } graph)
        {
            AppliedGeneration = generation;
            return;
        }
        foreach (var cid in changedCids)
        {
            if (graph.ChunksOf.TryRemove(cid, out var gone))
            {
                foreach (var key in gone)
                {
                    graph.PostOf.TryRemove(key, out _);
                    graph.Change(index => index.Remove(key), growing: false);
                }
                graph.Removed += gone.Length;
            }
        }
        foreach (var post in chunks.GroupBy(c => c.Cid))
        {
            foreach (var chunk in post)
            {
                graph.Change(index => index.Add((ulong)chunk.ChunkId, chunk.Vector), growing: true);
                graph.PostOf[(ulong)chunk.ChunkId] = post.Key;
            }
            graph.ChunksOf[post.Key] = [.. post.Select(c => (ulong)c.ChunkId)];
        }
        AppliedGeneration = generation;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _graph, null)?.Free();
        Volatile.Write(ref _ready, false);
    }

    private sealed class Graph(VectorSpace space, USearchIndex index)
    {
        public VectorSpace Space { get; } = space;
        public USearchIndex Index { get; } = index;
        public ConcurrentDictionary<ulong, long> PostOf { get; } = new();
        public ConcurrentDictionary<long, ulong[]> ChunksOf { get; } = new();

        /// <summary>Removed since the build (only the sync thread writes it).</summary>
        public int Removed { get; set; }

        /// <summary>Freed: a search that still held it goes to PostgreSQL.</summary>
        public bool Freed { get; private set; }

        // USearch adds, removes and searches concurrently, but growing the graph's capacity reallocates what searches
        // read, and freeing it ends them: those two take the lock alone.
        public ReaderWriterLockSlim Lock { get; } = new();

        // USearch keeps one context per hardware thread and refuses a search or an add beyond them ("Reserve capacity
        // ahead of searches"); the runtime's processor count is at most that.
        public SemaphoreSlim Contexts { get; } = new(Environment.ProcessorCount);

        /// <summary>Runs a change of the graph, alone when it may grow the capacity (an add into a full graph).</summary>
        public void Change(Action<USearchIndex> change, bool growing)
        {
            Contexts.Wait();
            try
            {
                var alone = growing && Index.Size() + 1 > Index.Capacity();
                if (alone)
                {
                    Lock.EnterWriteLock();
                }
                else
                {
                    Lock.EnterReadLock();
                }
                try
                {
                    change(Index);
                }
                finally
                {
                    if (alone)
                    {
                        Lock.ExitWriteLock();
                    }
                    else
                    {
                        Lock.ExitReadLock();
                    }
                }
            }
            finally
            {
                Contexts.Release();
            }
        }

        public void Free()
        {
            Lock.EnterWriteLock();
            try
            {
                Freed = true;
                Index.Dispose();
            }
            finally
            {
                Lock.ExitWriteLock();
            }
        }
    }
}
