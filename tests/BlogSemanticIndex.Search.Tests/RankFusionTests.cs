using BlogSemanticIndex.Search.Keyword;

namespace BlogSemanticIndex.Search.Tests;

public sealed class RankFusionTests
{
    [Fact]
    public void Scores_are_sums_of_reciprocal_ranks_computed_by_hand()
    {
        var fused = RankFusion.Fuse([10, 20, 30], [(20, 200), (40, 400)], 60);

        Assert.Equal([20, 10, 40, 30], fused.Select(p => p.Cid));
        Assert.Equal(1.0 / 62 + 1.0 / 61, fused[0].Score, 15);
        Assert.Equal(1.0 / 61, fused[1].Score, 15);
        Assert.Equal((2, 1, 200L), (fused[0].KeywordRank!.Value, fused[0].SemanticRank!.Value, fused[0].SemanticChunkId!.Value));
    }

    [Fact]
    public void Equal_scores_are_ordered_by_cid()
    {
        var fused = RankFusion.Fuse([9, 3], [(3, 1), (9, 2)], 60);

        Assert.Equal([3, 9], fused.Select(p => p.Cid));
    }
}

public sealed class WeightedFusionTests
{
    private static readonly (long, long)[] NoiseLeg = [(7, 70), (8, 80), (3, 30), (9, 90), (1, 10), (2, 20)];

    [Fact]
    public void A_semantic_leg_weighted_zero_leaves_the_keyword_order_with_its_posts_after()
    {
        KeywordHit[] keyword = [new(1, 5, false), new(2, 4, false), new(3, 3, false)];

        var fused = RankFusion.Fuse(keyword, NoiseLeg, new FusionWeights(1, 0, 60, false));

        Assert.Equal([1, 2, 3], fused.Take(3).Select(p => p.Cid));
    }

    [Fact]
    public void Weights_scale_each_legs_reciprocal_ranks()
    {
        var fused = RankFusion.Fuse([new KeywordHit(10, 1, false)], [(20, 200), (10, 100)], new FusionWeights(2, 0.5, 60, false));

        Assert.Equal(2.0 / 61 + 0.5 / 62, fused[0].Score, 15);
        Assert.Equal(0.5 / 61, fused[1].Score, 15);
    }

    [Fact]
    public void No_semantic_only_post_ranks_above_an_exact_match()
    {
        // Post 5 contains the query but BM25 ranks it 3rd; posts 7 and 8 are the semantic leg's top two and no leg else found them.
        KeywordHit[] keyword = [new(1, 5, false), new(2, 4, false), new(5, 3, true), new(6, 2, false)];

        var plain = RankFusion.Fuse(keyword, NoiseLeg, new FusionWeights(1, 1, 60, false));
        var exactFirst = RankFusion.Fuse(keyword, NoiseLeg, new FusionWeights(1, 1, 60, true));

        Assert.True(plain.ToList().FindIndex(p => p.Cid == 7) < plain.ToList().FindIndex(p => p.Cid == 5), "the fixture must show the problem");
        var order = exactFirst.Select(p => p.Cid).ToList();
        Assert.True(order.IndexOf(5) < order.IndexOf(7) && order.IndexOf(5) < order.IndexOf(8));
        // Posts the keyword leg found keep their fused order; the semantic-only ones follow the last exact match in theirs.
        Assert.Equal(plain.Where(p => p.KeywordRank is not null).Select(p => p.Cid).Where(c => c != 6),
            order.Take(order.IndexOf(5) + 1));
        Assert.Equal([7, 8], order.Skip(order.IndexOf(5) + 1).Where(c => c is 7 or 8));
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.75, 0.75)]
    [InlineData(0.49, 0.0)]
    [InlineData(0.0, 0.0)]
    public void The_semantic_weight_follows_the_query_coverage(double coverage, double weight)
    {
        Assert.Equal(weight, new SearchOptions().FusionFor(coverage, "query words").Semantic, 12);
    }

    [Theory]
    [InlineData("新词", true)]
    [InlineData("C++", false)]
    [InlineData("go", true)]
    [InlineData("新", false)]
    public void The_exact_match_rule_needs_at_least_two_letters_or_digits(string query, bool applies)
    {
        Assert.Equal(applies, new SearchOptions().FusionFor(1, query).ExactMatchesFirst);
    }
}
