using MathNet.Numerics.LinearAlgebra;

namespace BlogSemanticIndex.Whitening.Tests;

/// <summary>
/// Seeded Gaussian samples with a known covariance Σ = R·diag(variances)·Rᵀ (R a random rotation) and mean.
/// </summary>
internal sealed class SyntheticGaussian
{
    private readonly Random _random;
    private readonly double[] _scales;

    public SyntheticGaussian(int seed, double[] variances, double meanOffset = 0)
    {
        _random = new Random(seed);
        Dimensions = variances.Length;
        Variances = variances;
        _scales = variances.Select(Math.Sqrt).ToArray();
        Rotation = RandomRotation(_random, Dimensions);
        Mean = Enumerable.Range(0, Dimensions).Select(_ => meanOffset * (1 + NextGaussian(_random))).ToArray();
    }

    public int Dimensions { get; }
    public double[] Variances { get; }

    /// <summary>Columns are the covariance's eigenvectors, in the order of <see cref="Variances"/>.</summary>
    public Matrix<double> Rotation { get; }

    public double[] Mean { get; }

    public float[] Next()
    {
        var z = Vector<double>.Build.Dense(Dimensions, i => _scales[i] * NextGaussian(_random));
        var x = Rotation * z;
        return Enumerable.Range(0, Dimensions).Select(i => (float)(x[i] + Mean[i])).ToArray();
    }

    /// <summary><paramref name="count"/> samples, drawn as one matrix product (Z·diag(σ)·Rᵀ + μ).</summary>
    public List<float[]> Sample(int count)
    {
        var z = Matrix<double>.Build.Dense(count, Dimensions, (_, j) => _scales[j] * NextGaussian(_random));
        var x = z.TransposeAndMultiply(Rotation);
        return Enumerable.Range(0, count)
            .Select(r => Enumerable.Range(0, Dimensions).Select(i => (float)(x[r, i] + Mean[i])).ToArray())
            .ToList();
    }

    public static double NextGaussian(Random random)
    {
        // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>A Haar-random orthogonal matrix: QR of a Gaussian matrix with R's diagonal made positive.</summary>
    public static Matrix<double> RandomRotation(Random random, int d)
    {
        var gaussian = Matrix<double>.Build.Dense(d, d, (_, _) => NextGaussian(random));
        var qr = gaussian.QR();
        var q = qr.Q.Clone();
        for (var j = 0; j < d; j++)
        {
            if (qr.R[j, j] < 0)
            {
                q.SetColumn(j, q.Column(j).Negate());
            }
        }
        return q;
    }

    public static double[] ToDouble(float[] x) => x.Select(v => (double)v).ToArray();

    public static double Cosine(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Sample covariance (divided by n − 1) of row vectors.</summary>
    public static double[,] SampleCovariance(IReadOnlyList<double[]> rows)
    {
        var d = rows[0].Length;
        var n = rows.Count;
        var mean = new double[d];
        foreach (var row in rows)
        {
            for (var i = 0; i < d; i++)
            {
                mean[i] += row[i] / n;
            }
        }
        var covariance = new double[d, d];
        foreach (var row in rows)
        {
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    covariance[i, j] += (row[i] - mean[i]) * (row[j] - mean[j]) / (n - 1);
                }
            }
        }
        return covariance;
    }
}
