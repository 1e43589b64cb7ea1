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
