using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using BlogSemanticIndex.Search.NodeIndexes;
using BlogSemanticIndex.Search.Vectors;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport.Search;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>
/// The node's HNSW graph of the searched vectors: its nearest chunks against exact search, removals that never come back,
/// searches beside changes, and, over the real store and encoder, the semantic leg through it ranking as pgvector does
/// and following hidden posts and whitening switches.
/// </summary>
[Collection(EncoderCollectionDefinition.Name)]
public sealed class NodeVectorIndexTests(EncoderFixture encoder)
{
    private static readonly VectorSpace RandomSpace = new(1, 0, 32, null);

    private static float[] RandomUnitVector(Random random, int dims)
    {
        var vector = new float[dims];
        for (var i = 0; i < dims; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    /// <summary><paramref name="posts"/> posts of three chunks each, chunk ids from <paramref name="firstChunk"/>.</summary>
    private static List<ChunkEntry> RandomChunks(Random random, long firstCid, int posts, long firstChunk) =>
        [.. Enumerable.Range(0, posts * 3).Select(i => new ChunkEntry(firstChunk + i, firstCid + i / 3, RandomUnitVector(random, RandomSpace.Dimensions)))];

    private static async IAsyncEnumerable<ChunkEntry> Stream(IEnumerable<ChunkEntry> chunks, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var chunk in chunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return chunk;
        }
    }

    private static List<long> ExactNearest(IEnumerable<ChunkEntry> chunks, float[] query, int rows) =>
        [.. chunks.OrderByDescending(c => TensorPrimitives.CosineSimilarity(c.Vector, query)).ThenBy(c => c.ChunkId).Take(rows).Select(c => c.ChunkId)];

    [Fact]
    public async Task Nearest_chunks_match_exact_search_and_removed_posts_never_come_back()
    {
        var random = new Random(7);
        var chunks = RandomChunks(random, firstCid: 1, posts: 1000, firstChunk: 1);
        using var index = new NodeVectorIndex(expansionSearch: 100);
        Assert.Null(await index.NearestAsync(RandomSpace, chunks[0].Vector, 10, null, default));
        await index.RebuildAsync(Stream(chunks), () => (5, RandomSpace), default);
        Assert.True(index.IsReady);
        Assert.Equal((5, 3000), (index.AppliedGeneration, index.Size.Count));
        // Another space (a whitening switch the graph was not rebuilt for yet): the caller searches PostgreSQL.
        Assert.Null(await index.NearestAsync(RandomSpace with { WhiteningVersion = 2 }, chunks[0].Vector, 10, null, default));

        var found = 0;
        for (var q = 0; q < 50; q++)
        {
            var query = RandomUnitVector(random, RandomSpace.Dimensions);
            var nearest = (await index.NearestAsync(RandomSpace, query, 40, null, default))!;
            Assert.Equal(40, nearest.Count);
            Assert.Equal(nearest.OrderByDescending(n => n.Similarity), nearest);
            // Within half precision's rounding of the stored vectors.
            Assert.All(nearest, n => Assert.Equal(TensorPrimitives.CosineSimilarity(chunks[(int)n.ChunkId - 1].Vector, query), n.Similarity, tolerance: 1e-3));
            found += ExactNearest(chunks, query, 40).Intersect(nearest.Select(n => n.ChunkId)).Count();
        }
        Assert.True(found >= 0.98 * 50 * 40, $"recall@40 {found / (50.0 * 40):F3}");

        // A post's own chunk finds it first; left out, the rows are still filled by other posts.
        var own = await index.NearestAsync(RandomSpace, chunks[30].Vector, 5, null, default);
        Assert.Equal((chunks[30].ChunkId, chunks[30].Cid), (own![0].ChunkId, own[0].Cid));
        var others = await index.NearestAsync(RandomSpace, chunks[30].Vector, 5, excludeCid: chunks[30].Cid, default);
        Assert.Equal(5, others!.Count);
        Assert.DoesNotContain(others, n => n.Cid == chunks[30].Cid);

        // Hide 100 posts, rewrite 50 (new chunk ids), add 20: each searched by its own vectors afterwards.
        var hidden = Enumerable.Range(1, 100).Select(i => (long)i * 10).ToList();
        var rewritten = Enumerable.Range(1, 50).Select(i => (long)i * 10 + 3).ToList();
        var replacements = rewritten.SelectMany((cid, i) => RandomChunks(random, cid, 1, 10_000 + i * 3)).ToList();
        var added = RandomChunks(random, firstCid: 2001, posts: 20, firstChunk: 20_000);
        index.Apply([.. hidden, .. rewritten, .. added.Select(c => c.Cid).Distinct()], [.. replacements, .. added], 6);
        Assert.Equal(6, index.AppliedGeneration);
        Assert.Equal(3000 - 300 + 60, index.Size.Count);
        foreach (var gone in chunks.Where(c => hidden.Contains(c.Cid) || rewritten.Contains(c.Cid)))
        {
            var nearest = (await index.NearestAsync(RandomSpace, gone.Vector, 10, null, default))!;
            Assert.DoesNotContain(nearest, n => hidden.Contains(n.Cid) || n.ChunkId == gone.ChunkId);
        }
        foreach (var fresh in replacements.Concat(added))
        {
            var nearest = (await index.NearestAsync(RandomSpace, fresh.Vector, 1, null, default))!;
            Assert.Equal((fresh.ChunkId, fresh.Cid), (nearest[0].ChunkId, nearest[0].Cid));
        }
    }

    [Fact]
    public async Task Every_stored_chunk_is_found_by_its_own_vector_where_the_graph_leaves_some_unreached()
    {
        // Four links per node: a graph this thin leaves chunks that no link points to, as a 500,000-chunk graph does with 16.
        var random = new Random(11);
        var chunks = RandomChunks(random, firstCid: 1, posts: 1000, firstChunk: 1);
        var folder = Directory.CreateTempSubdirectory("bsi-vector-index-").FullName;
        try
        {
            using var index = new NodeVectorIndex(expansionSearch: 64, connectivity: 4, expansionAdd: 16);
            await index.RebuildAsync(Stream(chunks), () => (5, RandomSpace), default);
            Assert.InRange(index.Orphans, 1, chunks.Count / 10);
            await AssertEachFindsItself(index, chunks);
            // Chunks added later are checked as they are added (their links may push older chunks out of their
            // neighbours' lists, which only the next build checks).
            var added = RandomChunks(random, firstCid: 5001, posts: 300, firstChunk: 50_000);
            index.Apply([.. added.Select(c => c.Cid).Distinct()], added, 6);
            await AssertEachFindsItself(index, added);

            // The orphans are saved with the graph and taken up with it.
            Assert.True(index.SaveTo(folder, "store A"));
            using var resumed = new NodeVectorIndex(expansionSearch: 64, connectivity: 4, expansionAdd: 16);
            Assert.Null(await resumed.ResumeAsync(folder, "store A", RandomSpace, generation => Task.FromResult<VectorChanges?>(new VectorChanges(generation, [], []))));
            Assert.Equal(index.Orphans, resumed.Orphans);
            await AssertEachFindsItself(resumed, added);

            // A removed orphan is no longer returned.
            var orphanKeys = index.OrphanKeys;
            var orphanPost = chunks.First(c => orphanKeys.Contains((ulong)c.ChunkId)).Cid;
            resumed.Apply([orphanPost], [], 7);
            Assert.Equal(index.Orphans - chunks.Count(c => c.Cid == orphanPost && orphanKeys.Contains((ulong)c.ChunkId)), resumed.Orphans);
            foreach (var gone in chunks.Where(c => c.Cid == orphanPost))
            {
                Assert.DoesNotContain(await resumed.NearestAsync(RandomSpace, gone.Vector, 10, null, default) ?? [], n => n.Cid == orphanPost);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        static async Task AssertEachFindsItself(NodeVectorIndex index, List<ChunkEntry> chunks)
        {
            var missed = new List<long>();
            foreach (var chunk in chunks)
            {
                var nearest = (await index.NearestAsync(RandomSpace, chunk.Vector, 10, null, default))!;
                Assert.Equal(nearest.OrderByDescending(n => n.Similarity), nearest);
                if (!nearest.Any(n => n.ChunkId == chunk.ChunkId))
                {
                    missed.Add(chunk.ChunkId);
                }
            }
            Assert.Empty(missed);
        }
    }

    [Fact]
    public async Task Searches_run_beside_changes_that_grow_and_thin_the_graph()
    {
        var random = new Random(11);
        var chunks = RandomChunks(random, firstCid: 1, posts: 200, firstChunk: 1);
        using var index = new NodeVectorIndex(expansionSearch: 64);
        await index.RebuildAsync(Stream(chunks), () => (1, RandomSpace), default);
        var queries = Enumerable.Range(0, 64).Select(_ => RandomUnitVector(random, RandomSpace.Dimensions)).ToList();
        using var stop = new CancellationTokenSource();
        var searched = 0;
        var searchers = Enumerable.Range(0, 8).Select(s => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var nearest = await index.NearestAsync(RandomSpace, queries[Interlocked.Increment(ref searched) % queries.Count], 20, null, default);
                Assert.NotNull(nearest);
                Assert.InRange(nearest.Count, 1, 20);
            }
        })).ToList();
        // Twenty batches: each adds 60 posts (the graph grows past its capacity several times) and hides 30 live ones.
        var live = chunks.GroupBy(c => c.Cid).ToDictionary(g => g.Key, g => g.Count());
        var next = 1000L;
        for (var batch = 0; batch < 20; batch++)
        {
            var fresh = RandomChunks(random, firstCid: next, posts: 60, firstChunk: next * 3);
            var hidden = live.Keys.OrderBy(_ => random.Next()).Take(30).ToList();
            index.Apply([.. fresh.Select(c => c.Cid).Distinct(), .. hidden], fresh, 2 + batch);
            hidden.ForEach(cid => live.Remove(cid));
            fresh.GroupBy(c => c.Cid).ToList().ForEach(g => live[g.Key] = g.Count());
            next += 60;
        }
        await stop.CancelAsync();
        await Task.WhenAll(searchers);
        Assert.True(searched > 100, $"only {searched} searches ran beside the changes");
        Assert.Equal(live.Values.Sum(), index.Size.Count);
        foreach (var query in queries)
        {
            Assert.All((await index.NearestAsync(RandomSpace, query, 50, null, default))!, n => Assert.True(live.ContainsKey(n.Cid)));
        }
    }

    [Fact]
    public async Task A_saved_graph_is_taken_up_with_the_changes_since_its_save_and_searches_as_the_one_saved()
    {
        var random = new Random(5);
        var chunks = RandomChunks(random, firstCid: 1, posts: 1000, firstChunk: 1);
        var folder = Directory.CreateTempSubdirectory("bsi-vector-index-").FullName;
        try
        {
            using var saved = new NodeVectorIndex(expansionSearch: 100);
            await saved.RebuildAsync(Stream(chunks), () => (5, RandomSpace), default);
            Assert.True(saved.SaveTo(folder, "store A"));
            var queries = Enumerable.Range(0, 30).Select(_ => RandomUnitVector(random, RandomSpace.Dimensions)).ToList();

            // Refused, and nothing searched, for another store, another space, changes no longer kept, or a store behind it.
            static Task<VectorChanges?> Kept(long generation) => Task.FromResult<VectorChanges?>(new VectorChanges(generation, [], []));
            foreach (var (store, space, changesSince, why) in new (string, VectorSpace, Func<long, Task<VectorChanges?>>, string)[]
            {
                ("store B", RandomSpace, Kept, "another store"),
                ("store A", RandomSpace with { WhiteningVersion = 3 }, Kept, "another store, space"),
                ("store A", RandomSpace, _ => Task.FromResult<VectorChanges?>(null), "no longer kept"),
                ("store A", RandomSpace, _ => Task.FromResult<VectorChanges?>(new VectorChanges(4, [], [])), "behind the saved 5"),
            })
            {
                using var refused = new NodeVectorIndex(expansionSearch: 100);
                Assert.Contains(why, await refused.ResumeAsync(folder, store, space, changesSince));
                Assert.False(refused.IsReady);
                Assert.Null(await refused.NearestAsync(RandomSpace, queries[0], 10, null, default));
            }

            // Taken up as saved: the same nearest chunks, in the same order, at the saved candidate list.
            using (var same = new NodeVectorIndex(expansionSearch: 100))
            {
                Assert.Null(await same.ResumeAsync(folder, "store A", RandomSpace, Kept));
                Assert.Equal((5, 3000), (same.AppliedGeneration, same.Size.Count));
                foreach (var query in queries)
                {
                    Assert.Equal(await saved.NearestAsync(RandomSpace, query, 40, null, default), await same.NearestAsync(RandomSpace, query, 40, null, default));
                }
            }

            // With what changed since the save (100 posts hidden, 500 added: past the loaded graph's room) applied
            // before any search sees it.
            var hidden = Enumerable.Range(1, 100).Select(i => (long)i * 7).ToList();
            var added = RandomChunks(random, firstCid: 5001, posts: 500, firstChunk: 50_000);
            using var resumed = new NodeVectorIndex(expansionSearch: 100);
            Assert.Null(await resumed.ResumeAsync(folder, "store A", RandomSpace,
                generation => Task.FromResult<VectorChanges?>(generation == 5 ? new VectorChanges(9, [.. hidden, .. added.Select(c => c.Cid).Distinct()], added) : null)));
            Assert.Equal((9, 3000 - 300 + 1500), (resumed.AppliedGeneration, resumed.Size.Count));
            foreach (var gone in chunks.Where(c => hidden.Contains(c.Cid)))
            {
                Assert.DoesNotContain(await resumed.NearestAsync(RandomSpace, gone.Vector, 10, null, default) ?? [], n => hidden.Contains(n.Cid));
            }
            foreach (var fresh in added)
            {
                Assert.Equal((fresh.ChunkId, fresh.Cid), (await resumed.NearestAsync(RandomSpace, fresh.Vector, 1, null, default))![0] is var n ? (n.ChunkId, n.Cid) : default);
            }
            var recalled = 0;
            var live = chunks.Where(c => !hidden.Contains(c.Cid)).Concat(added).ToList();
            foreach (var query in queries)
            {
                recalled += ExactNearest(live, query, 40).Intersect((await resumed.NearestAsync(RandomSpace, query, 40, null, default))!.Select(n => n.ChunkId)).Count();
            }
            Assert.True(recalled >= 0.98 * 30 * 40, $"recall@40 after taking up {recalled / (30.0 * 40):F3}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The demo corpus in the real store, a node graph of it and the sync that keeps it current.</summary>
    private sealed class NodeOverCorpus(TestCorpus corpus) : IAsyncDisposable
    {
        public TestCorpus Corpus { get; } = corpus;
        public Npgsql.NpgsqlDataSource DataSource => Corpus.Database.DataSource;
        public WhiteningStore Whitening { get; } = new(corpus.Database.DataSource);
        public IOptions<SearchOptions> Options { get; } = Microsoft.Extensions.Options.Options.Create(corpus.Options);
        public NodeVectorIndex Index { get; } = new(corpus.Options.EfSearch);

        public VectorIndexSync Sync => SyncOf(Index, NullLogger<VectorIndexSync>.Instance);

        /// <summary>A sync of <paramref name="index"/> over this store, as a node starting with it would run.</summary>
        public VectorIndexSync SyncOf(NodeVectorIndex index, ILogger<VectorIndexSync> logger) =>
            new(index, new VectorChangeFeed(DataSource, Whitening), new ChangeSequence(DataSource), Options, logger, TimeProvider.System);

        public async Task ExecuteAsync(string sql)
        {
            await using var command = DataSource.CreateCommand(sql);
            await command.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            Index.Dispose();
            await Corpus.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_semantic_leg_through_the_node_index_ranks_as_pgvector_and_follows_hidden_posts_and_whitening_switches()
    {
        await using var node = new NodeOverCorpus(await TestCorpus.CreateAsync(encoder.Encoder));
        var (ds, whitening, options, index, sync) = (node.DataSource, node.Whitening, node.Options, node.Index, node.Sync);
        var throughPgvector = new SemanticSearcher(ds, whitening, encoder.Embedder, options);
        var throughNode = new SemanticSearcher(ds, whitening, encoder.Embedder, options, vectorIndex: index);
        string[] queries = ["my database is slow", "bake bread at home", TestCorpus.DocumentText(7), "向量检索"];

        // The graph keeps vectors in half precision (11 significant bits), pgvector raw ones in 32-bit floats and
        // whitened ones as halfvec, the query reaching it as halfvec too: similarities agree to ~3 digits.
        async Task AssertSameRankingAsync(double tolerance)
        {
            foreach (var query in queries)
            {
                var expected = await throughPgvector.SearchAsync(query, 50);
                var actual = await throughNode.SearchAsync(query, 50);
                Assert.Equal(expected.Select(h => (h.Cid, h.ChunkId)), actual.Select(h => (h.Cid, h.ChunkId)));
                Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First.Similarity - p.Second.Similarity) < tolerance, $"{p.First} {p.Second}"));
            }
        }

        await sync.CatchUpAsync(default);
        var raw = index.Space;
        Assert.Equal(0, raw?.WhiteningVersion);
        await AssertSameRankingAsync(2e-3);

        // A hidden post leaves the store (its chunks with it) and the graph at the next poll, searched by its own text.
        await using (var command = ds.CreateCommand("DELETE FROM posts WHERE cid = 7"))
        {
            await command.ExecuteNonQueryAsync();
        }
        await sync.CatchUpAsync(default);
        Assert.Equal(raw, index.Space);
        Assert.DoesNotContain(await throughNode.SearchAsync(TestCorpus.DocumentText(7), 50), h => h.Cid == 7);
        await AssertSameRankingAsync(2e-3);

        // A whitening switch: the next poll builds the graph of the new version's table, and searches go to it.
        var model = (await new IndexWriter(ds).GetActiveModelAsync())!;
        var build = await whitening.FitAsync(model.Id, new WhiteningParameters(1.0, 0.5, 8));
        Assert.True(build.Activated);
        await sync.CatchUpAsync(default);
        Assert.Equal(new VectorSpace(model.Id, build.Version, 8, WhiteningStore.TableName(build.Version)), index.Space);
        await AssertSameRankingAsync(2e-3);
    }

    [Fact]
    public async Task A_restarted_node_takes_up_its_saved_graph_and_a_node_of_another_store_or_one_away_too_long_builds()
    {
        var folder = Directory.CreateTempSubdirectory("bsi-vector-index-").FullName;
        try
        {
            var options = new SearchOptions { VectorIndexFolder = folder };
            await using var node = new NodeOverCorpus(await TestCorpus.CreateAsync(encoder.Encoder, options));
            var throughPgvector = new SemanticSearcher(node.DataSource, node.Whitening, encoder.Embedder, node.Options);
            async Task<List<string>> StartAsync(NodeVectorIndex index)
            {
                var logger = new FakeLogger<VectorIndexSync>();
                await node.SyncOf(index, logger).CatchUpAsync(default);
                return [.. logger.Collector.GetSnapshot().Select(r => r.Message)];
            }
            var first = await StartAsync(node.Index);
            Assert.Contains(first, m => m.StartsWith("Vector index built", StringComparison.Ordinal));
            Assert.Contains(first, m => m.StartsWith("Vector index saved", StringComparison.Ordinal));

            // Post 7 is hidden while the node is down; the restarted node takes up its graph, applies that, and ranks
            // as pgvector does.
            await node.ExecuteAsync("DELETE FROM posts WHERE cid = 7");
            using var restarted = new NodeVectorIndex(options.EfSearch);
            var second = await StartAsync(restarted);
            Assert.Contains(second, m => m.StartsWith("Vector index taken up", StringComparison.Ordinal));
            Assert.DoesNotContain(second, m => m.StartsWith("Vector index built", StringComparison.Ordinal));
            var throughRestarted = new SemanticSearcher(node.DataSource, node.Whitening, encoder.Embedder, node.Options, vectorIndex: restarted);
            foreach (var query in new[] { TestCorpus.DocumentText(7), "my database is slow", "向量检索" })
            {
                var expected = await throughPgvector.SearchAsync(query, 50);
                Assert.Equal(expected.Select(h => (h.Cid, h.ChunkId)), (await throughRestarted.SearchAsync(query, 50)).Select(h => (h.Cid, h.ChunkId)));
                Assert.DoesNotContain(expected, h => h.Cid == 7);
            }

            // Running, it saves what changed when it stops.
            var sync = node.SyncOf(restarted, NullLogger<VectorIndexSync>.Instance);
            await sync.StartAsync(default);
            await node.ExecuteAsync("DELETE FROM posts WHERE cid = 8");
            var head = await new ChangeSequence(node.DataSource).ReadGenerationAsync(default);
            for (var waited = 0; restarted.AppliedGeneration != head && waited < 100; waited++)
            {
                await Task.Delay(100);
            }
            await sync.StopAsync(default);
            using (var third = new NodeVectorIndex(options.EfSearch))
            {
                Assert.Contains(await StartAsync(third), m => m.StartsWith("Vector index taken up", StringComparison.Ordinal));
                Assert.Equal(head, third.AppliedGeneration);
            }

            // Away longer than the changes are kept (the horizon is past the saved generation): built again.
            await node.ExecuteAsync("DELETE FROM posts WHERE cid = 9");
            await node.ExecuteAsync("UPDATE keyword_changes_horizon SET generation = (SELECT value FROM index_generation)");
            using (var late = new NodeVectorIndex(options.EfSearch))
            {
                var messages = await StartAsync(late);
                Assert.Contains(messages, m => m.StartsWith("Vector index not taken up", StringComparison.Ordinal) && m.Contains("no longer kept"));
                Assert.Contains(messages, m => m.StartsWith("Vector index built", StringComparison.Ordinal));
            }

            // A whitening switch: the new version's graph is built (the saved one is of the raw vectors' table) and
            // replaces the old one on disk instead of being saved beside it.
            var model = (await new IndexWriter(node.DataSource).GetActiveModelAsync())!;
            Assert.True((await node.Whitening.FitAsync(model.Id, new WhiteningParameters(1.0, 0.5, 8))).Activated);
            using (var switched = new NodeVectorIndex(options.EfSearch))
            {
                var messages = await StartAsync(switched);
                Assert.Contains(messages, m => m.StartsWith("Vector index not taken up", StringComparison.Ordinal) && m.Contains("another store, space"));
                Assert.Contains(messages, m => m.StartsWith("Vector index saved", StringComparison.Ordinal));
            }
            Assert.Single(Directory.GetDirectories(folder));

            // Another store saving to the same folder keeps its own graph there and never takes up this one.
            await using var other = new NodeOverCorpus(await TestCorpus.CreateAsync(encoder.Encoder, options));
            var logger = new FakeLogger<VectorIndexSync>();
            await other.SyncOf(other.Index, logger).CatchUpAsync(default);
            Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.StartsWith("Vector index built", StringComparison.Ordinal));
            Assert.Equal(2, Directory.GetDirectories(folder).Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_ranking_from_a_lagging_graph_is_not_cached()
    {
        await using var node = new NodeOverCorpus(await TestCorpus.CreateAsync(encoder.Encoder));
        var (ds, whitening, options, index, sync) = (node.DataSource, node.Whitening, node.Options, node.Index, node.Sync);
        await sync.CatchUpAsync(default);
        var search = new SearchService(ds, new Keyword.KeywordSearcher(ds), new SemanticSearcher(ds, whitening, encoder.Embedder, options, vectorIndex: index),
            options, rankingCache: new RankingCache(ds, options, vectorIndex: index));
        var query = TestCorpus.DocumentText(7);
        async Task<(int Total, List<long> Cids)> SearchAsync() =>
            (await search.SearchAsync(query, SearchMode.Semantic, 1, 50)) is var page ? (page.Total, [.. page.Hits.Select(h => h.Cid)]) : default;
        var before = await SearchAsync();
        Assert.Equal(7, before.Cids[0]);

        // Post 7 is hidden; the graph has not polled yet, so its ranking still has post 7 (the page leaves it out, since
        // its post row is gone, but the total counts it). That ranking is not cached under the new generation: after the
        // poll the next search is right.
        await using (var command = ds.CreateCommand("DELETE FROM posts WHERE cid = 7"))
        {
            await command.ExecuteNonQueryAsync();
        }
        var lagging = await SearchAsync();
        Assert.Equal(before.Total, lagging.Total);
        Assert.DoesNotContain(7, lagging.Cids);
        await sync.CatchUpAsync(default);
        Assert.Equal(before.Total - 1, (await SearchAsync()).Total);
    }
}
