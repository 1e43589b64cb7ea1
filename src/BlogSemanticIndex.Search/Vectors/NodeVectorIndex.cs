using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Text.Json;
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
/// half precision, as the reduced table stores them: at the shipped candidate list (800) they recalled as 32-bit floats
/// did, searched in 3.1 against 5.4 ms and built in half the time (README). A chunk's key is its id; a post's chunks are removed and
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

    // The self-check of a build (FindOrphans): a chunk its own search misses at this candidate list, among this many rows.
    private const ulong SelfCheckExpansion = 64;
    private const int SelfCheckRows = 10;
    private const ScalarKind Scalars = ScalarKind.Float16;
    private const int SavedFormat = 3;
    private const string GraphFile = "graph.usearch";
    private const string PostsFile = "posts.bin";
    private const string OrphansFile = "orphans.bin";
    private const string HeaderFile = "header.json";

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
                if (graph.Orphans.Count > 0)
                {
                    found = graph.Orphans.MergeInto(query, keys, distances, found);
                }
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
                graph = new Graph(space, NewIndex(space.Dimensions));
                // Room for all of them and some growth; then one thread adds. Concurrent adds can leave a node stored
                // but unreachable by any search (USearch issue 735, open for 2.26.6): recall lost without a sign.
                USearchNative.Reserve(graph.Index, Graph.CapacityFor(all.Count));
                foreach (var chunk in all)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    graph.Index.Add((ulong)chunk.ChunkId, chunk.Vector);
                }
                FindOrphans(graph, all, cancellationToken);
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

    /// <summary>Stored chunks no search through the graph reaches, which every search scans itself (<see cref="FindOrphans"/>).</summary>
    public int Orphans => Volatile.Read(ref _graph)?.Orphans.Count ?? 0;

    internal HashSet<ulong> OrphanKeys => [.. Volatile.Read(ref _graph)?.Orphans.All.Select(o => o.Key) ?? []];

    /// <summary>
    /// Makes every chunk of a freshly built graph findable: the chunks that a search for their own vector misses among its
    /// <see cref="SelfCheckRows"/> nearest, first at <see cref="SelfCheckExpansion"/> (cheap, and a superset), then at the
    /// graph's own candidate list, become orphans, which every search compares with the query exhaustively.
    /// </summary>
    /// <remarks>
    /// HNSW drops a link when a closer neighbour already covers its direction, so a chunk lying apart from the others can
    /// end up with no link pointing to it: stored, but returned by no search at any candidate list. In LoadBench's graph of
    /// 500,000 chunks (AMD EPYC, 2026-12-04) a search at 64 missed 3.8 % of the chunks' own vectors and one at the shipped
    /// 800 2.6 % (13,198 orphans), which capped post recall@10 at 0.979 (0.984 with them). Adding the missed chunks again
    /// to the finished graph reached about half of them, but the links it added pushed others out of their neighbours'
    /// lists, so only a check of every chunk after it could tell which are lost: the graph is left as built and checked
    /// once. The check searches side by side, which the graph allows (only adds need it alone).
    /// </remarks>
    private void FindOrphans(Graph graph, List<ChunkEntry> all, CancellationToken cancellationToken)
    {
        // Never a longer list than searches use: what the first check passes, a search must find.
        var check = Math.Min(SelfCheckExpansion, (ulong)expansionSearch);
        graph.Orphans.Add(Missed(graph, Missed(graph, all, check, cancellationToken), (ulong)expansionSearch, cancellationToken));
    }

    /// <summary>The <paramref name="chunks"/> a search for their own vector at <paramref name="expansion"/> misses.</summary>
    private List<ChunkEntry> Missed(Graph graph, List<ChunkEntry> chunks, ulong expansion, CancellationToken cancellationToken)
    {
        var missed = new ConcurrentBag<ChunkEntry>();
        USearchNative.SetExpansionSearch(graph.Index, expansion);
        try
        {
            Parallel.ForEach(chunks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, chunk =>
            {
                if (!graph.Returns(chunk))
                {
                    missed.Add(chunk);
                }
            });
        }
        finally
        {
            USearchNative.SetExpansionSearch(graph.Index, (ulong)expansionSearch);
        }
        return [.. missed];
    }

    /// <summary>
    /// Applies one batch of the change sequence: the chunks of each of <paramref name="changedCids"/> are removed and
    /// <paramref name="chunks"/> (their current chunks; none for a post hidden or deleted) added; then searches see the
    /// store at <paramref name="generation"/>.
    /// </summary>
    public void Apply(IReadOnlyCollection<long> changedCids, IReadOnlyList<ChunkEntry> chunks, long generation)
    {
        if (Volatile.Read(ref _graph) is { } graph)
        {
            graph.Apply(changedCids, chunks);
        }
        AppliedGeneration = generation;
    }

    /// <summary>
    /// Writes what it holds to <paramref name="folder"/>, replacing what was there: the graph, each chunk's post, and a
    /// header naming <paramref name="store"/>, the space and the applied generation. Run it where changes are applied
    /// (the sync), so none lands meanwhile; searches go on. False when it holds nothing to save.
    /// </summary>
    public bool SaveTo(string folder, string store)
    {
        if (Volatile.Read(ref _graph) is not { } graph)
        {
            return false;
        }
        // Its own staging folder: another node of the same store on this machine may be saving too.
        var staging = $"{folder}.saving-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            if (!WriteGraph(graph, staging))
            {
                return false;
            }
            // The header last: a folder without one (a save cut short) is never taken up.
            File.WriteAllText(Path.Combine(staging, HeaderFile), JsonSerializer.Serialize(
                new SavedGraphHeader(SavedFormat, store, graph.Space, AppliedGeneration, Scalars, connectivity, expansionAdd, graph.PostOf.Count, graph.Removed)));
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
            Directory.Move(staging, folder);
            return true;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>The graph and each chunk's post into <paramref name="folder"/>; false when the graph was freed meanwhile.</summary>
    private static bool WriteGraph(Graph graph, string folder)
    {
        graph.Lock.EnterReadLock();
        try
        {
            if (graph.Freed)
            {
                return false;
            }
            graph.Index.Save(Path.Combine(folder, GraphFile));
            using (var posts = new BinaryWriter(File.Create(Path.Combine(folder, PostsFile))))
            {
                foreach (var (chunk, cid) in graph.PostOf)
                {
                    posts.Write(chunk);
                    posts.Write(cid);
                }
            }
            using var orphans = new BinaryWriter(File.Create(Path.Combine(folder, OrphansFile)));
            foreach (var (key, unit) in graph.Orphans.All)
            {
                orphans.Write(key);
                orphans.Write(unit.Length);
                foreach (var value in unit)
                {
                    orphans.Write(value);
                }
            }
            return true;
        }
        finally
        {
            graph.Lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Takes up the graph saved in <paramref name="folder"/> when it was saved from <paramref name="store"/>, for
    /// <paramref name="space"/> and with this index's settings: loads it, applies what changed since its generation
    /// (<paramref name="changesSince"/>; null when those changes are gone), and only then lets searches see it. Null
    /// when it took it up, else why not (nothing saved, another store or space, changes gone): build instead.
    /// </summary>
    public async Task<string?> ResumeAsync(string folder, string store, VectorSpace space, Func<long, Task<VectorChanges?>> changesSince)
    {
        var headerPath = Path.Combine(folder, HeaderFile);
        if (!File.Exists(headerPath))
        {
            return "nothing saved";
        }
        var saved = JsonSerializer.Deserialize<SavedGraphHeader>(File.ReadAllText(headerPath));
        if (saved is null || saved.Format != SavedFormat || saved.Store != store || saved.Space != space
            || saved.Scalars != Scalars || saved.Connectivity != connectivity || saved.ExpansionAdd != expansionAdd)
        {
            return "saved for another store, space or graph setting";
        }
        var graph = new Graph(space, new USearchIndex(Path.Combine(folder, GraphFile))) { Removed = saved.Removed };
        try
        {
            // A loaded graph searches with USearch's default candidate list unless told otherwise, and has no room to grow.
            USearchNative.SetExpansionSearch(graph.Index, (ulong)expansionSearch);
            USearchNative.Reserve(graph.Index, Graph.CapacityFor(saved.Chunks));
            using (var posts = new BinaryReader(File.OpenRead(Path.Combine(folder, PostsFile))))
            {
                for (var i = 0; i < saved.Chunks; i++)
                {
                    graph.PostOf[posts.ReadUInt64()] = posts.ReadInt64();
                }
            }
            using (var orphans = new BinaryReader(File.OpenRead(Path.Combine(folder, OrphansFile))))
            {
                var read = new List<(ulong, float[])>();
                while (orphans.BaseStream.Position < orphans.BaseStream.Length)
                {
                    var key = orphans.ReadUInt64();
                    read.Add((key, [.. Enumerable.Range(0, orphans.ReadInt32()).Select(_ => orphans.ReadSingle())]));
                }
                graph.Orphans.Add(read);
            }
            foreach (var post in graph.PostOf.GroupBy(p => p.Value))
            {
                graph.ChunksOf[post.Key] = [.. post.Select(p => p.Key)];
            }
            var changes = (int)graph.Index.Size() == saved.Chunks ? await changesSince(saved.Generation) : null;
            var notTaken = (int)graph.Index.Size() != saved.Chunks ? $"the saved graph holds {graph.Index.Size()} chunks, its header says {saved.Chunks}"
                : changes is null ? $"the changes since its generation {saved.Generation} are no longer kept"
                // Another database under the same name (restored, recreated).
                : changes.Generation < saved.Generation ? $"the store is at generation {changes.Generation}, behind the saved {saved.Generation}"
                : null;
            if (notTaken is not null)
            {
                graph.Free();
                return notTaken;
            }
            graph.Apply(changes!.ChangedCids, changes.Chunks);
            var old = Interlocked.Exchange(ref _graph, graph);
            AppliedGeneration = changes.Generation;
            Volatile.Write(ref _ready, true);
            old?.Free();
            return null;
        }
        catch
        {
            graph.Free();
            throw;
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _graph, null)?.Free();
        Volatile.Write(ref _ready, false);
    }

    /// <summary>What a saved graph is of (<see cref="SaveTo"/>); it is taken up only where all of it matches.</summary>
    private sealed record SavedGraphHeader(int Format, string Store, VectorSpace Space, long Generation, ScalarKind Scalars, int Connectivity,
        int ExpansionAdd, int Chunks, int Removed);

    /// <summary>
    /// Chunks of the graph that no search through it reaches, each with its unit vector, compared with every query (15 of
    /// LoadBench's 100,000 chunks, 13,198 of its 500,000). Replaced whole on a change, so a search reads one state.
    /// </summary>
    private sealed class OrphanSet
    {
        private Orphan[] _orphans = [];

        private readonly record struct Orphan(ulong Key, float[] Unit);

        public int Count => Volatile.Read(ref _orphans).Length;

        public IEnumerable<(ulong Key, float[] Unit)> All => Volatile.Read(ref _orphans).Select(o => (o.Key, o.Unit));

        public void Add(IEnumerable<ChunkEntry> chunks) => Add(chunks.Select(c => ((ulong)c.ChunkId, c.Vector)));

        public void Add(IEnumerable<(ulong Key, float[] Vector)> chunks)
        {
            var added = chunks.Select(c => new Orphan(c.Key, UnitOf(c.Vector))).ToArray();
            if (added.Length > 0)
            {
                Volatile.Write(ref _orphans, [.. _orphans, .. added]);
            }
        }

        public void Remove(ulong key)
        {
            if (Array.FindIndex(_orphans, o => o.Key == key) >= 0)
            {
                Volatile.Write(ref _orphans, [.. _orphans.Where(o => o.Key != key)]);
            }
        }

        /// <summary>
        /// Puts the orphans nearer to <paramref name="query"/> than the farthest of the graph's <paramref name="found"/>
        /// results (or any, while there is room) into <paramref name="keys"/> and <paramref name="distances"/> (cosine
        /// distances, nearest first), dropping the farthest beyond their length; returns how many are filled.
        /// </summary>
        public int MergeInto(float[] query, ulong[] keys, float[] distances, int found)
        {
            var unit = UnitOf(query);
            foreach (var orphan in Volatile.Read(ref _orphans))
            {
                var distance = 1 - TensorPrimitives.Dot(unit, orphan.Unit);
                if ((found == keys.Length && distance >= distances[found - 1]) || Array.IndexOf(keys, orphan.Key, 0, found) >= 0)
                {
                    continue;
                }
                var at = found == keys.Length ? found - 1 : found++;
                for (; at > 0 && distances[at - 1] > distance; at--)
                {
                    (keys[at], distances[at]) = (keys[at - 1], distances[at - 1]);
                }
                (keys[at], distances[at]) = (orphan.Key, distance);
            }
            return found;
        }

        private static float[] UnitOf(float[] vector)
        {
            var unit = new float[vector.Length];
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), unit);
            return unit;
        }
    }

    private USearchIndex NewIndex(int dimensions) =>
        new(MetricKind.Cos, Scalars, (ulong)dimensions, (ulong)connectivity, (ulong)expansionAdd, (ulong)expansionSearch);

    private sealed class Graph(VectorSpace space, USearchIndex index)
    {
        public VectorSpace Space { get; } = space;
        public USearchIndex Index { get; } = index;
        public ConcurrentDictionary<ulong, long> PostOf { get; } = new();
        public ConcurrentDictionary<long, ulong[]> ChunksOf { get; } = new();

        /// <summary>Room for <paramref name="chunks"/> and half as many more.</summary>
        public static ulong CapacityFor(int chunks) => (ulong)(chunks + Math.Max(chunks / 2, 1024));

        /// <summary>Chunks no search through the graph reaches (<see cref="FindOrphans"/>).</summary>
        public OrphanSet Orphans { get; } = new();

        /// <summary>Removed since the build (only the sync thread writes it).</summary>
        public int Removed { get; set; }

        /// <summary>Freed: a search that still held it goes to PostgreSQL.</summary>
        public bool Freed { get; private set; }

        // Searches and removals share the graph; an add takes it alone: a search beside an add was seen to find
        // nothing (NodeVectorIndexTests), and concurrent adds can leave a node no search reaches (USearch issue 735,
        // open for 2.26.6). Growing the capacity reallocates what searches read, and freeing the graph ends them.
        public ReaderWriterLockSlim Lock { get; } = new();

        // USearch keeps one context per hardware thread and refuses a search or an add beyond them ("Reserve capacity
        // ahead of searches"); the runtime's processor count is at most that.
        public SemaphoreSlim Contexts { get; } = new(Environment.ProcessorCount);

        /// <summary>Removes the chunks of each of <paramref name="changedCids"/>, then adds <paramref name="chunks"/> (their current ones).</summary>
        public void Apply(IReadOnlyCollection<long> changedCids, IReadOnlyList<ChunkEntry> chunks)
        {
            foreach (var cid in changedCids)
            {
                if (ChunksOf.TryRemove(cid, out var gone))
                {
                    foreach (var key in gone)
                    {
                        PostOf.TryRemove(key, out _);
                        Orphans.Remove(key);
                        Change(index => index.Remove(key), adding: false);
                    }
                    Removed += gone.Length;
                }
            }
            foreach (var post in chunks.GroupBy(c => c.Cid))
            {
                foreach (var chunk in post)
                {
                    Change(index => index.Add((ulong)chunk.ChunkId, chunk.Vector), adding: true);
                    PostOf[(ulong)chunk.ChunkId] = post.Key;
                }
                ChunksOf[post.Key] = [.. post.Select(c => (ulong)c.ChunkId)];
            }
            // A chunk added to a grown graph can be left unreachable like one of the build (FindOrphans).
            Orphans.Add(chunks.Where(chunk => !FindsItself(chunk)));
        }

        /// <summary>Whether a search for <paramref name="chunk"/>'s own vector returns it among its <see cref="SelfCheckRows"/> nearest.</summary>
        /// <remarks>Unguarded: for a graph no search sees yet, or under <see cref="FindsItself"/>'s guard.</remarks>
        public bool Returns(ChunkEntry chunk)
        {
            Index.Search(chunk.Vector, SelfCheckRows, out var keys, out _);
            return Array.IndexOf(keys, (ulong)chunk.ChunkId) >= 0;
        }

        /// <summary><see cref="Returns"/> on the live graph, beside searches and changes.</summary>
        private bool FindsItself(ChunkEntry chunk)
        {
            Contexts.Wait();
            Lock.EnterReadLock();
            try
            {
                return Returns(chunk);
            }
            finally
            {
                Lock.ExitReadLock();
                Contexts.Release();
            }
        }

        /// <summary>Runs a change of the graph; an add alone, searches waiting.</summary>
        public void Change(Action<USearchIndex> change, bool adding)
        {
            Contexts.Wait();
            try
            {
                if (adding)
                {
                    Lock.EnterWriteLock();
                }
                else
                {
                    Lock.EnterReadLock();
                }
                try
                {
                    if (adding && Index.Size() + 1 > Index.Capacity())
                    {
                        // Grown by half at a time: each growth copies the graph, and the binding alone would grow it
                        // by exactly the one chunk added.
                        USearchNative.Reserve(Index, CapacityFor((int)Index.Size() + 1));
                    }
                    change(Index);
                }
                finally
                {
                    if (adding)
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
