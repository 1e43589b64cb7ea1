using BlogSemanticIndex.Search.Api;
using BlogSemanticIndex.Search.Keyword;

namespace BlogSemanticIndex.Search.Tests;

public sealed class SearchOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(new SearchOptions().Validate());
    }

    [Fact]
    public void Each_invalid_setting_is_named_with_its_allowed_values()
    {
        var errors = new SearchOptions
        {
            EfSearch = 0, RrfK = 0, SnippetLength = 5, RateLimitPerMinute = -1, ApiKey = "short", CorsOrigins = ["*"],
            RankingCacheSeconds = -1, RankingCachePosts = 0,
        }.Validate();

        Assert.Contains(errors, e => e.StartsWith("Search:EfSearch is 0; allowed: 1 to 1000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Search:RrfK", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Search:SnippetLength", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Search:RateLimitPerMinute", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Search:ApiKey", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Search:CorsOrigins", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Search:RankingCacheSeconds is -1; allowed: 0 (off)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Search:RankingCachePosts is 0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(100, 400, 400)]
    [InlineData(100, 40, 100)]
    [InlineData(500, 400, 500)]
    [InlineData(100, 40000, 1000)]
    public void The_HNSW_candidate_list_covers_the_rows_the_semantic_leg_asks_for(int efSearch, int rows, int expected)
    {
        Assert.Equal(expected, SemanticSearcher.EfSearchFor(efSearch, rows));
    }

    [Theory]
    [InlineData("q=%E6%96%B0", true)]
    [InlineData("?q=caf%C3%A9&page=2", true)]
    [InlineData("q=%FF", false)]
    [InlineData("q=%C3", false)]
    [InlineData("q=%ED%A0%80", false)]
    [InlineData("page=1&q=ok&x=%FF", true)]
    public void Raw_query_values_are_checked_as_strict_UTF8(string query, bool valid)
    {
        Assert.Equal(valid, RawQueryString.IsValidUtf8(query, "q"));
    }

    [Fact]
    public void The_like_pattern_turns_spaces_into_wildcards_and_escapes_like_syntax()
    {
        Assert.Equal("%hello%wor\\_ld%100\\%%", KeywordSearcher.LikePattern("  hello   wor_ld 100% "));
        Assert.Null(KeywordSearcher.LikePattern("   "));
    }

    [Fact]
    public void Without_word_counts_the_like_filter_keeps_the_two_longest_pieces_with_a_trigram_in_the_query_order()
    {
        Assert.Equal("%microwave%switching%", KeywordSearcher.LikeFilter("router away microwave the from switching"));
        // Equally long pieces: the first ones.
        Assert.Equal("%aaa%bbb%", KeywordSearcher.LikeFilter("aaa bbb ccc ddd"));
        // A longer piece without a trigram (c++++) gives the index nothing to narrow by.
        Assert.Equal("%cxx%abc%", KeywordSearcher.LikeFilter("cxx c++++ abc"));
        Assert.Equal("%a\\_b%", KeywordSearcher.LikeFilter(" a_b "));
        Assert.Null(KeywordSearcher.LikeFilter("   "));
    }

    [Fact]
    public void With_word_counts_the_like_filter_keeps_the_two_rarest_pieces_and_ranks_unknown_words_after_known_ones()
    {
        var posts = new Dictionary<string, int> { ["router"] = 3, ["microwave"] = 40, ["switching"] = 7, ["away"] = 5000, ["il-6"] = 3, ["il"] = 80, ["6"] = 2000 };
        int PostsWith(string term) => posts.GetValueOrDefault(term);

        Assert.Equal("%router%switching%", KeywordSearcher.LikeFilter("router away microwave the from switching", PostsWith));
        // A piece's rarest word counts (il-6 is indexed whole and in parts); a word part no post holds (rout) ranks last.
        Assert.Equal("%IL-6%away%", KeywordSearcher.LikeFilter("IL-6 rout away", PostsWith));
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("IL-6", true)]
    [InlineData("v2.1", true)]
    [InlineData("c++", false)]
    [InlineData("c#", false)]
    [InlineData("in", false)]
    [InlineData("-a", true)]
    [InlineData("新词算", true)]
    [InlineData("算法", false)]
    [InlineData("𠀀𠀁𠀂", true)]
    public void A_piece_has_a_trigram_as_pg_trgm_pads_its_runs_of_letters_and_digits(string piece, bool expected) =>
        Assert.Equal(expected, KeywordSearcher.HasTrigram(piece));

    [Fact]
    public void One_or_two_cjk_characters_become_their_distinct_unigram_terms()
    {
        Assert.Equal(["算", "法"], KeywordSearcher.CjkCharacters("算法")!);
        Assert.Equal(["哈"], KeywordSearcher.CjkCharacters("哈哈")!);
        Assert.Equal(["𠀀"], KeywordSearcher.CjkCharacters("𠀀")!);
        // NFKC: a compatibility ideograph is indexed as its unified form.
        Assert.Equal(["\u8c48"], KeywordSearcher.CjkCharacters("\uf900")!);
        Assert.Null(KeywordSearcher.CjkCharacters("算法论"));
        Assert.Null(KeywordSearcher.CjkCharacters("a算"));
    }
}
