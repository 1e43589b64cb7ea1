namespace BlogSemanticIndex.Training.Tests;

public sealed class SpearmanTests
{
    [Fact]
    public void Gives_ties_their_average_rank()
    {
        // By hand: ranks 1, 2.5, 2.5, 4, 5 and 2, 1, 3.5, 3.5, 5; deviations from 3 give covariance 7.25 and
        // variances 9.5 each, so ρ = 7.25 / 9.5.
        Assert.Equal(7.25 / 9.5, Spearman.Correlation([1, 2, 2, 3, 5], [2, 1, 4, 4, 5]), 12);
    }

    [Fact]
    public void Is_one_for_any_increasing_relation_and_minus_one_for_a_decreasing_one()
    {
        Assert.Equal(1, Spearman.Correlation([1, 2, 3, 4], [1, 8, 27, 64]), 12);
        Assert.Equal(-1, Spearman.Correlation([1, 2, 3, 4], [9, 7, 3, -2]), 12);
    }
}
