using BlogSemanticIndex.TestSupport.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>The search core against the real PostgreSQL and the real builtin encoder; each test has its own schema.</summary>
[Collection(EncoderCollectionDefinition.Name)]
public sealed class SearchServiceTests(EncoderFixture encoder)
{
    private static async Task<List<long>> CidsAsync(TestCorpus corpus, string query, SearchMode mode) =>
        (await corpus.Search.SearchAsync(query, mode, 1, 50)).Hits.Select(h => h.Cid).ToList();

    [Fact]
    public async Task A_paraphrase_finds_the_post_that_Typecho_like_search_cannot()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        const string query = "my wifi signal keeps cutting out";

        Assert.Empty(TestCorpus.TypechoLikeMatches(query));
        Assert.Equal(1, (await CidsAsync(corpus, query, SearchMode.Semantic))[0]);
        Assert.Equal(1, (await CidsAsync(corpus, query, SearchMode.Hybrid))[0]);
    }

    [Fact]
    public async Task An_exact_identifier_finds_the_post_that_semantic_search_alone_ranks_low()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);

        var semantic = await CidsAsync(corpus, "ERR_CONN_4402", SearchMode.Semantic);
        Assert.NotEqual(2, semantic[0]);
        Assert.Equal(2, (await CidsAsync(corpus, "ERR_CONN_4402", SearchMode.Keyword))[0]);
        Assert.Equal(2, (await CidsAsync(corpus, "ERR_CONN_4402", SearchMode.Hybrid))[0]);
        Assert.Equal(4, (await CidsAsync(corpus, "v2.14.3", SearchMode.Keyword))[0]);
        Assert.Equal(4, (await CidsAsync(corpus, "v2.14.3", SearchMode.Hybrid))[0]);
        Assert.Equal(8, (await CidsAsync(corpus, "C++", SearchMode.Keyword))[0]);
    }

    [Fact]
    public async Task A_Chinese_query_matches_a_post_with_its_words_though_the_string_never_occurs()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);

        Assert.DoesNotContain("新词算法", TestCorpus.DocumentText(5));
        Assert.Equal(5, (await CidsAsync(corpus, "新词算法", SearchMode.Keyword))[0]);
        Assert.Equal(5, (await CidsAsync(corpus, "新词算法", SearchMode.Hybrid))[0]);
    }

    [Theory]
    [InlineData("分词算法")]
    [InlineData("徒步")]
    [InlineData("新词发现 互信息")]
    public async Task A_Chinese_query_the_English_encoder_cannot_read_is_ranked_by_the_keyword_leg(string query)
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var keyword = await CidsAsync(corpus, query, SearchMode.Keyword);

        Assert.NotEmpty(keyword);
        Assert.Equal(keyword, await CidsAsync(corpus, query, SearchMode.Hybrid));
    }

    [Fact]
    public async Task Related_posts_of_a_Chinese_post_with_the_English_encoder_come_from_the_keyword_leg()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);

        // Post 5 (新词发现与分词, on 算法) shares only 算法 with post 12, and nothing with the other posts.
        var related = await corpus.Related.FindAsync(5, 5);

        Assert.Equal([12L], related!.Posts.Select(p => p.Cid));
    }

    [Theory]
    [InlineData("atering sched")]
    [InlineData("onnect")]
    [InlineData("ERR_CONN")]
    [InlineData("4402")]
    [InlineData("c++")]
    [InlineData("算法")]
    [InlineData("e")]
    [InlineData("100%")]
    [InlineData("snake_")]
    public async Task Every_post_Typecho_finds_is_in_the_keyword_and_hybrid_results(string query)
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var expected = TestCorpus.TypechoLikeMatches(query);

        var keyword = await CidsAsync(corpus, query, SearchMode.Keyword);
        var hybrid = await CidsAsync(corpus, query, SearchMode.Hybrid);

        Assert.Subset(keyword.ToHashSet(), expected.ToHashSet());
        Assert.Subset(hybrid.ToHashSet(), expected.ToHashSet());
    }

    [Theory]
    [InlineData("the router away from the microwave and switching", new long[] { 1 })]
    // The three longest pieces (router, microwave, switching) occur in that order in post 1, the whole pattern does not.
    [InlineData("router away microwave the from switching", new long[0])]
    [InlineData("A deep soak twice a week. The sprinkler controller logged ERR_CONN_4402", new long[] { 2 })]
    [InlineData("新词 发现 方法 算法 互信息", new long[] { 5 })]
    public async Task Long_queries_match_exactly_what_Typecho_finds_though_the_index_is_searched_with_their_longest_pieces(string query, long[] expected)
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var found = await new KeywordSearcher(corpus.Database.DataSource).FindSubstringMatchesAsync(query, 100);

        Assert.Equal(expected.Order(), TestCorpus.TypechoLikeMatches(query).Order());
        Assert.Equal(expected.Order(), found.Order());
    }

    [Theory]
    [InlineData("天")]          // one Han character: its unigram's posts are the candidates
    [InlineData("山里")]
    [InlineData("算法")]        // in posts 5 and 12, one of them beside emoji and surrogate pairs
    [InlineData("法算")]        // both characters in post 5, never in that order
    [InlineData("哈哈")]
    [InlineData("算法 a")]
    [InlineData("e")]           // nothing to narrow: newest first until the limit
    [InlineData("in a")]
    [InlineData("c#")]
    public async Task Short_pieces_match_exactly_what_Typecho_finds_newest_first(string query)
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var found = await new KeywordSearcher(corpus.Database.DataSource).FindSubstringMatchesAsync(query, 100);
        var limited = await new KeywordSearcher(corpus.Database.DataSource).FindSubstringMatchesAsync(query, 2);

        // The corpus's posts are the newer the higher their cid.
        var expected = TestCorpus.TypechoLikeMatches(query).OrderDescending().ToList();
        Assert.Equal(expected, found);
        Assert.Equal(expected.Take(2), limited);
    }

    [Fact]
    public async Task A_pattern_without_a_trigram_is_checked_post_by_post_never_over_every_chunk_first()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        await using var explain = corpus.Database.DataSource.CreateCommand("EXPLAIN " + KeywordSearcher.NewestFirstSubstringSql);
        explain.Parameters.AddWithValue("pattern", "%in%a%");
        explain.Parameters.AddWithValue("limit", 1000);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        // A hashed subplan runs the pattern over every chunk before the walk returns its first post (1.1 s over
        // 500,000 chunks); per post, the walk stops at the limit.
        Assert.Contains(plan, line => line.Contains("SubPlan", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("hashed SubPlan", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hybrid_scores_are_the_reciprocal_rank_fusion_of_the_two_legs()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        const string query = "network connection errors";
        var keyword = await CidsAsync(corpus, query, SearchMode.Keyword);
        var semantic = await CidsAsync(corpus, query, SearchMode.Semantic);

        var hybrid = (await corpus.Search.SearchAsync(query, SearchMode.Hybrid, 1, 50)).Hits;

        var expected = keyword.Concat(semantic).Distinct()
            .Select(cid => (Cid: cid, Score: Rrf(keyword, cid) + Rrf(semantic, cid)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Cid).ToList();
        Assert.Equal(expected.Select(x => x.Cid), hybrid.Select(h => h.Cid));
        Assert.All(hybrid.Zip(expected), pair => Assert.Equal(pair.Second.Score, pair.First.Score, 12));

        static double Rrf(List<long> ranking, long cid) => ranking.IndexOf(cid) is var i and >= 0 ? 1.0 / (60 + i + 1) : 0;
    }

    [Fact]
    public async Task Pages_are_stable_and_together_give_the_whole_ranking_once()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        const string query = "the";
        var whole = await corpus.Search.SearchAsync(query, SearchMode.Hybrid, 1, 50);
        Assert.True(whole.Total > 6, $"the query should match many posts, got {whole.Total}");

        var paged = new List<long>();
        for (var page = 1; (page - 1) * 3 < whole.Total; page++)
        {
            var result = await corpus.Search.SearchAsync(query, SearchMode.Hybrid, page, 3);
            Assert.Equal(whole.Total, result.Total);
            paged.AddRange(result.Hits.Select(h => h.Cid));
        }
        var again = await corpus.Search.SearchAsync(query, SearchMode.Hybrid, 1, 50);

        Assert.Equal(whole.Hits.Select(h => h.Cid), paged);
        Assert.Equal(whole.Hits.Select(h => h.Cid), again.Hits.Select(h => h.Cid));
        Assert.Empty((await corpus.Search.SearchAsync(query, SearchMode.Hybrid, 1000, 50)).Hits);
    }

    [Fact]
    public async Task Snippets_mark_the_match_and_escape_the_rest()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);

        var hit = (await corpus.Search.SearchAsync("script", SearchMode.Keyword, 1, 10)).Hits.Single(h => h.Cid == 9);

        Assert.Contains("&lt;<mark>script</mark>&gt;", hit.Snippet);
        Assert.Contains("&#39;x&#39;", hit.Snippet);
        Assert.DoesNotContain("<script", hit.Snippet);
        Assert.Equal(TestCorpus.DocumentText(9)[hit.SnippetStart..hit.SnippetEnd].Length, hit.SnippetEnd - hit.SnippetStart);
        Assert.Equal(1_700_000_000 + 9 * 86_400, hit.CreatedUnix);
    }

    [Fact]
    public async Task BM25_scores_match_a_float64_computation_over_the_same_terms()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var documents = TestCorpus.Posts.ToDictionary(p => p.Cid, p => TextAnalyzer.Analyze(TestCorpus.DocumentText(p.Cid)).Select(t => t.Term).ToList());
        var avgdl = documents.Values.Average(d => d.Count);
        const string query = "connection errors network the C++ 算法";
        var keywordQuery = KeywordQuery.Parse(query);

        var expected = new Dictionary<long, double>();
        foreach (var (cid, terms) in documents)
        {
            var score = 0.0;
            var matched = 0;
            foreach (var (term, qtf) in keywordQuery.Terms)
            {
                var tf = terms.Count(t => t == term);
                var df = documents.Values.Count(d => d.Contains(term));
                if (tf == 0) continue;
                var idf = Math.Log(1 + (documents.Count - df + 0.5) / (df + 0.5));
                score += qtf * idf * tf * (0.9 + 1) / (tf + 0.9 * (1 - 0.4 + 0.4 * terms.Count / avgdl));
                matched += qtf;
            }
            if (score > 0 && matched >= keywordQuery.MinimumShouldMatch) expected[cid] = score;
        }

        var actual = await new KeywordSearcher(corpus.Database.DataSource).RankBm25Async(query, 100);

        Assert.Equal(expected.Count, actual.Count);
        Assert.All(actual, hit => Assert.Equal(expected[hit.Cid], hit.Score, 9));
    }

    [Fact]
    public async Task Deleting_a_post_removes_its_keyword_statistics()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        await using (var command = corpus.Database.DataSource.CreateCommand("DELETE FROM posts WHERE cid = 2"))
        {
            await command.ExecuteNonQueryAsync();
        }

        Assert.DoesNotContain(2L, await CidsAsync(corpus, "ERR_CONN_4402", SearchMode.Hybrid));
        await using var count = corpus.Database.DataSource.CreateCommand("SELECT count(*) FROM keyword_postings WHERE cid = 2");
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Related_posts_exclude_the_post_itself_and_unknown_posts_get_null()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);

        var related = await corpus.Related.FindAsync(3, 5);

        Assert.NotNull(related);
        Assert.Equal(5, related.Posts.Count);
        Assert.DoesNotContain(related.Posts, p => p.Cid == 3);
        Assert.Equal(related.Posts.OrderByDescending(p => p.Score).Select(p => p.Cid), related.Posts.Select(p => p.Cid));
        Assert.Null(await corpus.Related.FindAsync(999, 5));
    }

    [Fact]
    public async Task Rebuilding_indexes_posts_that_have_no_keyword_statistics()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        await using (var command = corpus.Database.DataSource.CreateCommand("DELETE FROM keyword_docs"))
        {
            await command.ExecuteNonQueryAsync();
        }
        var keyword = new KeywordSearcher(corpus.Database.DataSource);
        Assert.Empty(await keyword.RankBm25Async("sourdough", 10));

        var indexed = await new KeywordIndexWriter().RebuildAllAsync(corpus.Database.DataSource, batchSize: 5);

        Assert.Equal(TestCorpus.Posts.Count, indexed);
        Assert.Equal(7, (await keyword.RankBm25Async("sourdough", 10))[0].Cid);
    }

    [Fact]
    public async Task With_a_live_whitening_version_the_query_is_transformed_and_its_table_searched()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var ds = corpus.Database.DataSource;
        var model = (await new IndexWriter(ds).GetActiveModelAsync())!;
        var build = await new WhiteningStore(ds).FitAsync(model.Id, new WhiteningParameters(1.0, 0.5, 8));
        Assert.True(build.Activated);

        var semantic = await corpus.Search.SearchAsync(TestCorpus.DocumentText(7), SearchMode.Semantic, 1, 50);

        Assert.Equal(7, semantic.Hits[0].Cid);
        Assert.Equal(1.0, semantic.Hits[0].Score, 4);
        Assert.Equal(TestCorpus.Posts.Count, semantic.Total);
        var related = await corpus.Related.FindAsync(7, 3);
        Assert.Equal(3, related!.Posts.Count);
        Assert.DoesNotContain(related.Posts, p => p.Cid == 7);
    }

    [Fact]
    public async Task With_whitening_disabled_a_live_version_is_ignored_and_posts_without_reduced_vectors_are_found()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var ds = corpus.Database.DataSource;
        var model = (await new IndexWriter(ds).GetActiveModelAsync())!;
        var build = await new WhiteningStore(ds).FitAsync(model.Id, new WhiteningParameters(0, 0, 8));
        Assert.True(build.Activated);
        // What an indexer with Whitening:Enabled=false leaves behind: post 7's raw vector, and no reduced one.
        await using (var command = ds.CreateCommand($"DELETE FROM {WhiteningStore.QuoteTable(WhiteningStore.TableName(build.Version))} " +
                                                    "WHERE chunk_id IN (SELECT id FROM chunks WHERE cid = 7)"))
        {
            await command.ExecuteNonQueryAsync();
        }
        var options = Microsoft.Extensions.Options.Options.Create(corpus.Options);
        var disabled = new SearchService(ds, new KeywordSearcher(ds), new SemanticSearcher(ds,
            new WhiteningStore(ds, new WhiteningOptions { Enabled = false }), new SentenceEncoderQueryEmbedder(encoder.Encoder), options), options);

        var semantic = await disabled.SearchAsync(TestCorpus.DocumentText(7), SearchMode.Semantic, 1, 50);

        Assert.Equal(7, semantic.Hits[0].Cid);
        Assert.Equal(1.0, semantic.Hits[0].Score, 4);
        Assert.Equal(TestCorpus.Posts.Count, semantic.Total);
    }
}
