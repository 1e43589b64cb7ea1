using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.TestSupport.Search;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>
/// The relevance floor with the real encoder over the test corpus: a query that matches nothing returns nothing in
/// hybrid search; queries that match keep their results; the floor is kept per vector space for status.
/// </summary>
[Collection(EncoderCollectionDefinition.Name)]
public sealed class RelevanceFloorTests(EncoderFixture encoder)
{
    private async Task<(TestCorpus Corpus, SearchService Search)> CreateAsync(bool floorOn)
    {
        var options = new SearchOptions { RelevanceFloor = floorOn };
        var corpus = await TestCorpus.CreateAsync(encoder.Encoder, options);
        var ds = corpus.Database.DataSource;
        var wrapped = Options.Create(options);
        var semantic = new SemanticSearcher(ds, new WhiteningStore(ds), encoder.Embedder, wrapped, new SemanticFloor(ds));
        // A node computes the floor in the background at its first semantic search; here it is known from the start.
        Assert.NotNull(await semantic.PrepareRelevanceFloorAsync());
        return (corpus, new SearchService(ds, new KeywordSearcher(ds), semantic, wrapped));
    }

    [Theory]
    [InlineData("zzznotaword")]
    [InlineData("qwxzv kjhg")]
    public async Task A_query_that_matches_nothing_returns_nothing_in_hybrid_search(string query)
    {
        var (corpus, search) = await CreateAsync(floorOn: true);
        await using var _ = corpus;
        Assert.Equal(0, (await search.SearchAsync(query, SearchMode.Hybrid, 1, 10)).Total);

        // Without the floor the semantic leg lists every post it reaches: what the floor removes.
        var (unfloored, unflooredSearch) = await CreateAsync(floorOn: false);
        await using var __ = unfloored;
        Assert.True((await unflooredSearch.SearchAsync(query, SearchMode.Hybrid, 1, 10)).Total > 0);
    }

    [Fact]
    public async Task Queries_that_match_keep_their_results_and_the_floor_is_stored_for_the_space()
    {
        var (corpus, search) = await CreateAsync(floorOn: true);
        await using var _ = corpus;
        var (unfloored, unflooredSearch) = await CreateAsync(floorOn: false);
        await using var __ = unfloored;
        foreach (var query in new[] { "laptop wireless network drops", "connection timeout", "新词发现", "bread fermentation" })
        {
            var expected = (await unflooredSearch.SearchAsync(query, SearchMode.Hybrid, 1, 10)).Hits.Select(h => h.Cid);
            Assert.Equal(expected, (await search.SearchAsync(query, SearchMode.Hybrid, 1, 10)).Hits.Select(h => h.Cid));
        }

        await using var floor = corpus.Database.DataSource.CreateCommand("SELECT whitening_version, similarity FROM semantic_floors");
        await using var reader = await floor.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(0, reader.GetInt32(0));
        Assert.InRange(reader.GetDouble(1), 0.05, 0.9);
        Assert.False(await reader.ReadAsync());
    }
}
