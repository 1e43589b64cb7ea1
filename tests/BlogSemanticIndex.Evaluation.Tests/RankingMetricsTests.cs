namespace BlogSemanticIndex.Evaluation.Tests;

public sealed class RankingMetricsTests
{
    private static readonly HashSet<long> Relevant = [7, 9];

    [Fact]
    public void Ndcg_discounts_by_log2_of_the_rank_and_normalises_by_the_ideal_ranking()
    {
        Assert.Equal(1.0, RankingMetrics.NdcgAt([7, 9, 1], Relevant, 10), 12);
        // Hits at ranks 2 and 3: (1/log2 3 + 1/log2 4) / (1 + 1/log2 3).
        Assert.Equal((1 / Math.Log2(3) + 0.5) / (1 + 1 / Math.Log2(3)), RankingMetrics.NdcgAt([1, 9, 7], Relevant, 10), 12);
        Assert.Equal(0.0, RankingMetrics.NdcgAt([1, 2, 9], Relevant, 2), 12);
        Assert.Equal(0.0, RankingMetrics.NdcgAt([], Relevant, 10), 12);
    }

    [Fact]
    public void Mrr_is_the_reciprocal_rank_of_the_first_hit_within_k()
    {
        Assert.Equal(1.0 / 3, RankingMetrics.MrrAt([1, 2, 9, 7], Relevant, 10), 12);
        Assert.Equal(0.0, RankingMetrics.MrrAt([1, 2, 9], Relevant, 2), 12);
    }

    [Fact]
    public void Recall_is_the_share_of_relevant_posts_within_k()
    {
        Assert.Equal(0.5, RankingMetrics.RecallAt([1, 9, 3], Relevant, 50), 12);
        Assert.Equal(0.0, RankingMetrics.RecallAt([1, 2, 9], Relevant, 2), 12);
    }

    [Fact]
    public void Scores_average_over_the_queries()
    {
        LabelledQuery[] queries = [new("a", new HashSet<long> { 1 }), new("b", new HashSet<long> { 2 })];

        var scores = RetrievalScores.Of(queries, [[1L], [3L, 2L]], totalMilliseconds: 10);

        Assert.Equal((1 + 1 / Math.Log2(3)) / 2, scores.NdcgAt10, 12);
        Assert.Equal(0.75, scores.MrrAt10, 12);
        Assert.Equal(1.0, scores.RecallAt50, 12);
        Assert.Equal(5.0, scores.MillisecondsPerQuery, 12);
    }
}
