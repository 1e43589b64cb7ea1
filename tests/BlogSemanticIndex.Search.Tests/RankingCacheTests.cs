using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.TestSupport;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>The (query, mode, index generation) ranking cache: it serves repeated searches, never a post that was hidden since.</summary>
public sealed class RankingCacheTests
{
    /// <summary>Keyword mode never embeds; a semantic search here would be a test bug.</summary>
    internal sealed class NoEmbedder : IQueryEmbedder
    {
        public string ModelName => "none";

        public string ModelRevision => "none";

        public float[] EmbedQuery(string query) => throw new InvalidOperationException("keyword searches do not embed");

        public BlogSemanticIndex.Tokenization.CoverageReport MeasureCoverage(string query) => new([]);
    }

    private static async Task<SearchService> CreateAsync(TestIndexDatabase database, params (long Cid, string Text)[] posts)
    {
        await StandInPosts.WriteAsync(database, posts);
        var options = Options.Create(new SearchOptions());
        var ds = database.DataSource;
        return new SearchService(ds, new KeywordSearcher(ds), new SemanticSearcher(ds, new WhiteningStore(ds), new NoEmbedder(), options), options,
            rankingCache: new RankingCache(ds, options));
    }

    private static async Task<List<long>> CidsAsync(SearchService search, string query) =>
        (await search.SearchAsync(query, SearchMode.Keyword, 1, 10)).Hits.Select(h => h.Cid).ToList();

    [Fact]
    public async Task A_repeated_search_is_served_from_the_cache_while_no_post_changed()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var search = await CreateAsync(database, (1, "pgvector index tuning"), (2, "pgvector recall at ef_search 400"));
        Assert.Equal([1, 2], (await CidsAsync(search, "pgvector")).Order());

        // Post 2's text and postings go behind the cache's back (posts and keyword_docs are untouched, so the
        // generation does not move): ranked afresh, "pgvector" would find post 1 only.
        await using (var drop = database.DataSource.CreateCommand("DELETE FROM keyword_postings WHERE cid = 2; DELETE FROM chunks WHERE cid = 2"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        Assert.Equal([1, 2], (await CidsAsync(search, "pgvector")).Order());
        Assert.Equal([1, 2], (await CidsAsync(search, "  pgvector ")).Order());
        // Another query is ranked afresh.
        Assert.Equal([1], await CidsAsync(search, "pgvector tuning"));
    }

    [Fact]
    public async Task A_post_hidden_after_a_search_is_not_served_from_the_cache()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var search = await CreateAsync(database, (1, "pgvector index tuning"), (2, "pgvector recall at ef_search 400"));
        Assert.Equal([1, 2], (await CidsAsync(search, "pgvector")).Order());

        // What the indexer does when a post becomes private, a draft, or is deleted.
        await using (var hide = database.DataSource.CreateCommand("DELETE FROM posts WHERE cid = 2"))
        {
            await hide.ExecuteNonQueryAsync();
        }

        Assert.Equal([1], await CidsAsync(search, "pgvector"));
        var page = await search.SearchAsync("pgvector", SearchMode.Keyword, 1, 10);
        Assert.Equal(1, page.Total);
    }
}
