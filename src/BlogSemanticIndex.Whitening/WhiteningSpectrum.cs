namespace BlogSemanticIndex.Whitening;

/// <summary>
/// Mean and eigendecomposition of the covariance of a set of raw vectors: everything a whitening model needs
/// except its hyperparameters. Immutable.
/// </summary>
public sealed class WhiteningSpectrum
{
    private readonly double[] _mean;
    private readonly double[] _eigenvalues;
    private readonly double[] _eigenvectors; // row-major d×d, column j = eigenvector j

    internal WhiteningSpectrum(double[] mean, double[] eigenvalues, double[] eigenvectors, int vectorCount, double seconds)
    {
        _mean = mean;
        _eigenvalues = eigenvalues;
        _eigenvectors = eigenvectors;
        VectorCount = vectorCount;
        Seconds = seconds;
    }

    public int Dimensions => _mean.Length;
    public int VectorCount { get; }

    /// <summary>Time to accumulate the covariance and decompose it.</summary>
    public double Seconds { get; }

    public IReadOnlyList<double> Mean => _mean;

    /// <summary>Descending, clamped at 0.</summary>
    public IReadOnlyList<double> Eigenvalues => _eigenvalues;

    /// <summary>Share of the total variance in the first <paramref name="dims"/> directions.</summary>
    public double ExplainedVariance(int dims)
    {
        var total = _eigenvalues.Sum();
        return total > 0 ? _eigenvalues.Take(dims).Sum() / total : 0;
    }

    /// <summary>The model for one choice of (β, γ, k, ε).</summary>
    public WhiteningModel ToModel(WhiteningParameters parameters, int sourceModelId = 0)
    {
        parameters.ValidateOrThrow(Dimensions);
        var d = Dimensions;
        var k = parameters.ResolveDims(d);
        var projection = new double[d * k];
        for (var i = 0; i < d; i++)
        {
            Array.Copy(_eigenvectors, i * d, projection, i * k, k);
        }
        return new WhiteningModel(sourceModelId, parameters.Beta, parameters.Gamma, k, parameters.Epsilon,
            (double[])_mean.Clone(), projection, (double[])_eigenvalues.Clone(), VectorCount, Seconds);
    }
}
