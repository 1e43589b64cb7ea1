namespace BlogSemanticIndex.Training;

/// <summary>Spearman's rank correlation, the STS metric: Pearson correlation of the ranks, ties given their average rank (as scipy.stats.spearmanr).</summary>
public static class Spearman
{
    public static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 2)
        {
            throw new ArgumentException($"Spearman needs two series of the same length, at least 2; got {x.Count} and {y.Count}.");
        }
        var rho = MathNet.Numerics.Statistics.Correlation.Spearman(x, y);
        // A constant series has no ranking to agree with: 0, not MathNet's NaN, so a dev score can be printed and compared.
        return double.IsNaN(rho) ? 0 : rho;
    }
}
