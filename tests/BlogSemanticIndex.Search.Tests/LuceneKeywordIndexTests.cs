using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Search.NodeIndexes;
using BlogSemanticIndex.TestSupport;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>
/// The node's Lucene.NET keyword index against the exhaustive BM25 in PostgreSQL (the store of record it is derived
/// from): the same top k, scores included, on random corpora, after incremental changes, rebuilds and deletes; hidden
/// posts leave it at the next poll; a ranking from a lagging copy is never cached.
/// </summary>
public sealed class LuceneKeywordIndexTests
{
    private static KeywordIndexSync Sync(TestIndexDatabase database, LuceneKeywordIndex index) =>
        new(index, new KeywordChangeFeed(database.DataSource), new ChangeSequence(database.DataSource), Options.Create(new SearchOptions()),
            NullLogger<KeywordIndexSync>.Instance, TimeProvider.System);

    private static async Task ExecuteAsync(TestIndexDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task AssertSameTopKAsync(TestIndexDatabase database, LuceneKeywordIndex index, Random random, int queries)
    {
        var searcher = new KeywordSearcher(database.DataSource);
        var compared = 0;
        for (var i = 0; i < queries; i++)
        {
            var text = string.Join(' ', Enumerable.Range(0, random.Next(1, 7)).Select(_ => KeywordTopKTests.Word(random)));
            var parsed = KeywordQuery.Parse(text);
            // Now and then a minimum-should-match, as a query-side rule may ask.
            var query = random.Next(4) == 0 ? parsed with { MinimumShouldMatch = random.Next(1, parsed.Terms.Count + 1) } : parsed;
            var k = new[] { 1, 3, 10, 50, 1000 }[random.Next(5)];
            var expected = await searcher.RankExhaustiveAsync(query, k);
            Assert.Equal(expected, index.Search(query, k));
            compared += expected.Count;
        }
        Assert.True(compared > 100, $"the random queries matched only {compared} posts in all");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Top_k_equals_the_exhaustive_top_k_after_a_build_and_after_incremental_changes(int seed)
    {
        var random = new Random(seed);
        await using var database = await TestIndexDatabase.CreateAsync();
        var posts = Enumerable.Range(1, 300).Select(cid => ((long)cid, KeywordTopKTests.Document(random))).ToList();
        await StandInPosts.WriteAsync(database, posts);
        using var index = new LuceneKeywordIndex();
        var sync = Sync(database, index);
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.Equal(300, index.Documents);
        await AssertSameTopKAsync(database, index, random, 40);

        // Rewrite a third (their terms change), delete a tenth, add some: applied from the change sequence, with
        // replaced and deleted documents still in Lucene's segments (its own df and N would count them).
        await StandInPosts.WriteAsync(database, posts.Where(p => p.Item1 % 3 == 0).Select(p => (p.Item1, KeywordTopKTests.Document(random))).ToList());
        await ExecuteAsync(database, "DELETE FROM posts WHERE cid % 10 = 7");
        await StandInPosts.WriteAsync(database, Enumerable.Range(301, 20).Select(cid => ((long)cid, KeywordTopKTests.Document(random))).ToList());
        var before = index.AppliedGeneration;
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.True(index.AppliedGeneration > before);
        Assert.Equal(290, index.Documents);
        await AssertSameTopKAsync(database, index, random, 40);
    }

    [Fact]
    public async Task A_hidden_post_leaves_the_index_at_the_next_poll_and_a_new_node_builds_the_same_index()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await StandInPosts.WriteAsync(database, [(1, "pgvector index tuning"), (2, "pgvector recall at ef_search 400"), (3, "sourdough bread")]);
        using var index = new LuceneKeywordIndex();
        var sync = Sync(database, index);
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.Equal([1, 2], index.Search(KeywordQuery.Parse("pgvector"), 10).Select(h => h.Cid).Order());

        // What the indexer does when a post becomes private, a draft, or is deleted.
        await ExecuteAsync(database, "DELETE FROM posts WHERE cid = 2");
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.Equal([1], index.Search(KeywordQuery.Parse("pgvector"), 10).Select(h => h.Cid));
        Assert.Empty(index.Search(KeywordQuery.Parse("ef_search"), 10));

        // A node starting with nothing builds from the store and answers alike.
        using var fresh = new LuceneKeywordIndex();
        Assert.False(fresh.IsReady);
        await Sync(database, fresh).CatchUpAsync(CancellationToken.None);
        Assert.Equal(index.AppliedGeneration, fresh.AppliedGeneration);
        Assert.Equal(index.Search(KeywordQuery.Parse("pgvector sourdough"), 10), fresh.Search(KeywordQuery.Parse("pgvector sourdough"), 10));
    }

    [Fact]
    public async Task A_truncate_or_pruned_changes_make_the_node_rebuild()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await StandInPosts.WriteAsync(database, [(1, "pgvector index tuning"), (2, "pgvector recall")]);
        using var index = new LuceneKeywordIndex();
        var sync = Sync(database, index);
        await sync.CatchUpAsync(CancellationToken.None);

        // Change rows older than the node's generation pruned away (a node that was down longer than the retention).
        await StandInPosts.WriteAsync(database, [(3, "pgvector halfvec")]);
        await ExecuteAsync(database, "DELETE FROM keyword_changes; UPDATE keyword_changes_horizon SET generation = (SELECT value FROM index_generation)");
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.Equal([1, 2, 3], index.Search(KeywordQuery.Parse("pgvector"), 10).Select(h => h.Cid).Order());

        await ExecuteAsync(database, "TRUNCATE keyword_postings, keyword_docs");
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.Empty(index.Search(KeywordQuery.Parse("pgvector"), 10));
        Assert.Equal(0, index.Documents);
    }

    [Fact]
    public async Task The_keyword_searcher_ranks_in_postgres_until_the_index_is_built_and_alike_after()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await StandInPosts.WriteAsync(database, [(1, "pgvector index tuning"), (2, "pgvector recall at ef_search 400")]);
        using var index = new LuceneKeywordIndex();
        var searcher = new KeywordSearcher(database.DataSource, index);
        var inPostgres = await searcher.RankBm25Async("pgvector tuning", 10);
        await Sync(database, index).CatchUpAsync(CancellationToken.None);
        // Behind PostgreSQL's back: only the Lucene copy still has post 1's terms, so this answer is the index's.
        await ExecuteAsync(database, "DELETE FROM keyword_postings WHERE cid = 1");
        Assert.NotEqual(inPostgres, await new KeywordSearcher(database.DataSource).RankBm25Async("pgvector tuning", 10));
        Assert.Equal(inPostgres, await searcher.RankBm25Async("pgvector tuning", 10));
    }

    [Fact]
    public async Task A_ranking_from_a_lagging_index_is_not_cached()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await StandInPosts.WriteAsync(database, [(1, "pgvector index tuning"), (2, "pgvector recall at ef_search 400")]);
        using var index = new LuceneKeywordIndex();
        var (search, sync) = await CachedSearchOverAsync(database, index);

        // Post 2 is hidden; the index has not polled yet, so its ranking still has post 2 (the page leaves it out,
        // since its post row is gone, but the total counts it).
        await ExecuteAsync(database, "DELETE FROM posts WHERE cid = 2");
        Assert.Equal(2, (await search.SearchAsync("pgvector", SearchMode.Keyword, 1, 10)).Total);
        Assert.Equal([1], (await search.SearchAsync("pgvector", SearchMode.Keyword, 1, 10)).Hits.Select(h => h.Cid));
        // That ranking was not cached under the new generation: after the poll the next search is right.
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.Equal(1, (await search.SearchAsync("pgvector", SearchMode.Keyword, 1, 10)).Total);
    }

    [Fact]
    public async Task With_the_index_built_the_cache_follows_the_generation_the_index_holds()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await StandInPosts.WriteAsync(database, [(1, "pgvector index tuning"), (2, "pgvector recall at ef_search 400")]);
        using var index = new LuceneKeywordIndex();
        var (search, sync) = await CachedSearchOverAsync(database, index);
        Assert.Equal(2, (await search.SearchAsync("pgvector", SearchMode.Keyword, 1, 10)).Total);

        // A third post reaches the store (its generation moves); ranked afresh, the substring leg, which reads the store,
        // would find it at once. The cached ranking is keyed by the index's generation, so it stands until the poll.
        await StandInPosts.WriteAsync(database, [(3, "pgvector on a laptop")]);
        Assert.Equal(2, (await search.SearchAsync("pgvector", SearchMode.Keyword, 1, 10)).Total);
        await sync.CatchUpAsync(CancellationToken.None);
        Assert.Equal([1, 2, 3], (await search.SearchAsync("pgvector", SearchMode.Keyword, 1, 10)).Hits.Select(h => h.Cid).Order());
    }

    /// <summary>Keyword searches through the ranking cache, with <paramref name="index"/> built over the database.</summary>
    private static async Task<(SearchService Search, KeywordIndexSync Sync)> CachedSearchOverAsync(TestIndexDatabase database, LuceneKeywordIndex index)
    {
        var sync = Sync(database, index);
        await sync.CatchUpAsync(CancellationToken.None);
        var options = Options.Create(new SearchOptions());
        var ds = database.DataSource;
        var search = new SearchService(ds, new KeywordSearcher(ds, index),
            new SemanticSearcher(ds, new WhiteningStore(ds), new RankingCacheTests.NoEmbedder(), options), options,
            rankingCache: new RankingCache(ds, options, index));
        return (search, sync);
    }
}
