using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace BlogSemanticIndex.Whitening;

/// <summary>
/// Fits BERT-whitening (Su et al. 2021, with the β/γ/k generalisation) on raw encoder vectors:
/// float32 in, float64 mean, covariance and symmetric eigendecomposition.
/// </summary>
/// <remarks>
/// The fit never yields a transform with NaN or infinite weights: eigenvalues below zero (rounding on
/// rank-deficient data) are clamped to 0 and every eigenvalue gets ε·λ₁ added (floored at 1e-12·λ₁) before
/// the power −γ/2. It refuses only what has no answer at all: fewer than two vectors, or vectors that do
/// not vary. Whether a fit on n ≤ k vectors is wise is a policy left to the caller
/// (<see cref="WhiteningStore.FitAsync"/> refuses it for γ &gt; 0).
/// </remarks>
public static class WhiteningFitter
{
    /// <summary>Fits on vectors held in memory.</summary>
    public static WhiteningModel Fit(IEnumerable<float[]> vectors, WhiteningParameters parameters, int sourceModelId = 0)
    {
        var spectrum = FitSpectrum(vectors);
        parameters.ValidateOrThrow(spectrum.Dimensions);
        return spectrum.ToModel(parameters, sourceModelId);
    }

    /// <summary>
    /// Finishes a fit from streamed vectors. <paramref name="started"/>, when given, is the clock that
    /// timed the streaming, so <see cref="WhiteningModel.FitSeconds"/> covers reading as well.
    /// </summary>
    public static WhiteningModel Fit(CovarianceAccumulator accumulator, WhiteningParameters parameters, int sourceModelId = 0,
        Stopwatch? started = null)
    {
        parameters.ValidateOrThrow(accumulator.Dimensions);
        return FitSpectrum(accumulator, started).ToModel(parameters, sourceModelId);
    }

    /// <summary>
    /// The parameter-free part of a fit (mean and eigendecomposition), from which models for any (β, γ, k)
    /// are derived in milliseconds: a sweep over a grid needs one covariance and one eigendecomposition.
    /// </summary>
    public static WhiteningSpectrum FitSpectrum(IEnumerable<float[]> vectors)
    {
        var started = Stopwatch.StartNew();
        CovarianceAccumulator? accumulator = null;
        foreach (var vector in vectors)
        {
            accumulator ??= new CovarianceAccumulator(vector.Length);
            accumulator.Add(vector);
        }
        return accumulator is null
            ? throw new WhiteningFitException("no vectors to fit whitening on.")
            : FitSpectrum(accumulator, started);
    }

    /// <inheritdoc cref="FitSpectrum(IEnumerable{float[]})"/>
    public static WhiteningSpectrum FitSpectrum(CovarianceAccumulator accumulator, Stopwatch? started = null)
    {
        started ??= Stopwatch.StartNew();
        var d = accumulator.Dimensions;
        var (mean, covariance) = accumulator.Finish();
        var (eigenvalues, eigenvectors) = SymmetricEigen(covariance, d);
        if (!(eigenvalues[0] > 0) || !double.IsFinite(eigenvalues[0]))
        {
            throw new WhiteningFitException(
                $"the {accumulator.Count} vectors do not vary (largest covariance eigenvalue {eigenvalues[0]}); there is nothing to whiten.");
        }
        var count = accumulator.Count > int.MaxValue ? int.MaxValue : (int)accumulator.Count;
        return new WhiteningSpectrum(mean, eigenvalues, eigenvectors, count, started.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Eigenvalues of a symmetric d×d matrix, descending and clamped at 0, with the eigenvectors as the
    /// columns of a row-major d×d matrix. Each eigenvector's sign is fixed (largest component positive)
    /// so a refit on the same data gives the same projection.
    /// </summary>
    internal static (double[] Values, double[] Vectors) SymmetricEigen(double[] matrix, int d)
    {
        var evd = Matrix<double>.Build.DenseOfColumnMajor(d, d, matrix).Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var vectors = evd.EigenVectors;
        var order = Enumerable.Range(0, d).OrderByDescending(i => values[i]).ToArray();

        var sortedValues = new double[d];
        var sortedVectors = new double[d * d];
        for (var column = 0; column < d; column++)
        {
            var source = order[column];
            sortedValues[column] = Math.Max(values[source], 0);
            var pivot = 0;
            for (var i = 1; i < d; i++)
            {
                if (Math.Abs(vectors[i, source]) > Math.Abs(vectors[pivot, source]))
                {
                    pivot = i;
                }
            }
            var sign = vectors[pivot, source] < 0 ? -1.0 : 1.0;
            for (var i = 0; i < d; i++)
            {
                sortedVectors[i * d + column] = sign * vectors[i, source];
            }
        }
        return (sortedValues, sortedVectors);
    }
}
