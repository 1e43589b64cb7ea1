using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Search.Tests;

public sealed class KeywordQueryTests
{
    private static Dictionary<string, int> Weights(KeywordQuery query) => query.Terms.ToDictionary(t => t.Term, t => t.Weight);

    [Fact]
    public void An_English_query_counts_each_term_once_per_occurrence_and_any_term_finds_a_post()
    {
        var query = KeywordQuery.Parse("connection errors in the network errors");

        Assert.Equal(new Dictionary<string, int> { ["connection"] = 1, ["error"] = 2, ["network"] = 1 }, Weights(query));
        Assert.Equal(1, query.MinimumShouldMatch);
    }

    [Fact]
    public void A_chinese_query_searches_its_bigrams_and_a_lone_character_itself()
    {
        Assert.Equal(["新词", "词算", "算法"], KeywordQuery.Parse("新词算法").Terms.Select(t => t.Term));
        Assert.Equal([new KeywordQueryTerm("词", 1)], KeywordQuery.Parse("词").Terms);
        // Runs are separate: the lone 的 stays, the Latin word is untouched, a repeated word counts twice.
        var mixed = Weights(KeywordQuery.Parse("算法 的 pgvector 算法"));
        Assert.Equal(2 * KeywordQuery.WordBigramWeight, mixed["算法"]);
        Assert.Equal(1, mixed["的"]);
        Assert.Equal(1, mixed["pgvector"]);
        Assert.DoesNotContain("算", mixed.Keys);
    }

    [Fact]
    public void Bigrams_inside_a_word_weigh_more_than_pairs_across_two_words()
    {
        // jieba: 新词 | 算法 and 中文 | 分词.
        Assert.Equal(new Dictionary<string, int> { ["新词"] = 2, ["词算"] = 1, ["算法"] = 2 }, Weights(KeywordQuery.Parse("新词算法")));
        Assert.Equal(new Dictionary<string, int> { ["中文"] = 2, ["文分"] = 1, ["分词"] = 2 }, Weights(KeywordQuery.Parse("中文分词")));
    }

    [Fact]
    public void A_one_character_word_inside_a_run_is_also_searched_by_itself()
    {
        // jieba: 花 | 呗 | 怎么 | 还款 — the one-character words' pairs cross word boundaries, so each is a term too.
        var weights = Weights(KeywordQuery.Parse("花呗怎么还款"));

        Assert.Equal(1, weights["花"]);
        Assert.Equal(1, weights["呗"]);
        Assert.Equal(2, weights["还款"]);
        Assert.Equal(1, weights["么还"]);
        Assert.DoesNotContain("怎", weights.Keys);
    }

    [Fact]
    public void Kana_is_not_segmented_and_its_bigrams_all_count_as_inside_a_word()
    {
        Assert.Equal(new Dictionary<string, int> { ["カタ"] = 2, ["タカ"] = 2, ["カナ"] = 2 }, Weights(KeywordQuery.Parse("カタカナ")));
    }

    [Theory]
    [InlineData("请问一下信用卡的额度怎么才能提高呢")]
    [InlineData("Python 装饰器")]
    [InlineData("新词算法")]
    public void A_query_with_chinese_needs_a_quarter_of_its_weight_matched(string text)
    {
        var query = KeywordQuery.Parse(text);

        Assert.Equal((int)Math.Ceiling(query.TotalWeight * KeywordQuery.ChineseMinimumShouldMatchShare), query.MinimumShouldMatch);
        Assert.True(query.MinimumShouldMatch > 1);
    }

    [Fact]
    public void A_query_without_terms_is_empty()
    {
        var query = KeywordQuery.Parse("the %%% ，。");

        Assert.True(query.IsEmpty);
        Assert.Equal(1, query.MinimumShouldMatch);
    }

    [Fact]
    public async Task A_long_chinese_question_finds_its_known_item_first_and_not_every_post_that_shares_a_common_pair()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        // Forty posts that share only the question's filler (请问, 怎么, 一下, 才能) with it, and the one it is about.
        var fillers = new[] { "请问", "怎么", "一下", "才能" };
        var topics = new[] { "花呗还款", "借呗利息", "转账限额", "手机银行登录", "理财产品收益", "贷款审批", "密码重置", "积分兑换" };
        var posts = Enumerable.Range(1, 40)
            .Select(cid => ((long)cid, $"{fillers[cid % 4]}{topics[cid % 8]}要{fillers[(cid / 4) % 4]}办理"))
            .Append((99L, "信用卡额度怎么提高")).ToList();
        await StandInPosts.WriteAsync(database, posts);
        var searcher = new KeywordSearcher(database.DataSource);
        const string question = "请问一下信用卡的额度怎么才能提高呢";

        var found = await searcher.RankBm25Async(question, 1000);
        var anyTerm = await searcher.RankBm25Async(KeywordQuery.Parse(question) with { MinimumShouldMatch = 1 }, 1000);

        Assert.Equal(99, found[0].Cid);
        Assert.Equal(41, anyTerm.Count); // what "any term" found: every post
        Assert.True(found.Count <= 5, $"{found.Count} posts matched");
        Assert.Equal(anyTerm.Where(h => found.Any(f => f.Cid == h.Cid)), found); // the same scores, in the same order
    }

    [Fact]
    public async Task A_chinese_query_whose_minimum_should_match_finds_nothing_is_answered_with_any_term()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await StandInPosts.WriteAsync(database, [(1, "网页性能优化：压缩图片"), (2, "数据库索引"), (3, "网页布局")]);
        var searcher = new KeywordSearcher(database.DataSource);
        var query = KeywordQuery.Parse("让网页打开得更快");
        Assert.True(query.MinimumShouldMatch > KeywordQuery.WordBigramWeight, "the fixture needs more than 网页 to be matched");

        var found = await searcher.RankBm25Async(query, 10);

        Assert.Equal([1, 3], found.Select(h => h.Cid).Order());
        Assert.Equal(found, await searcher.RankExhaustiveAsync(query, 10));
        Assert.Null(KeywordQuery.Parse("网页").Relaxed);
    }
}
