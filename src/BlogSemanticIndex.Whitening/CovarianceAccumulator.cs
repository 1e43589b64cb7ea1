namespace BlogSemanticIndex.Whitening;

/// <summary>
/// Streams vectors into a float64 mean and sample covariance without keeping them, so a fit can read
/// the raw vectors straight from a database reader.
/// </summary>
/// <remarks>
/// Values are shifted by the first vector before they are summed: the shifted data has a mean near
/// zero, so Σ(x−s)(x−s)ᵀ − n·m·mᵀ does not cancel catastrophically the way the textbook one-pass
/// formula does for vectors far from the origin. Rows are buffered in column-major blocks so the
/// scatter matrix is updated with dot products over a block instead of one rank-1 update per row.
/// </remarks>
public sealed class CovarianceAccumulator
{
    private const int BlockRows = 256;

    private readonly double[] _shift;
    private readonly double[] _sum;
    private readonly double[] _scatter; // upper triangle of Σ (x−s)(x−s)ᵀ, row-major d×d
    private readonly double[] _block;   // column-major: value of dimension i in buffered row r at [i * BlockRows + r]
    private int _buffered;

    public CovarianceAccumulator(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _shift = new double[dimensions];
        _sum = new double[dimensions];
        _scatter = new double[dimensions * dimensions];
        _block = new double[dimensions * BlockRows];
    }

    public int Dimensions { get; }

    /// <summary>Vectors added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds one vector; it must have <see cref="Dimensions"/> finite values.</summary>
    public void Add(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"vector {Count} has {vector.Length} dimensions; the fit expects {Dimensions}.", nameof(vector));
        }
        VectorMath.RequireFinite(vector, $"vector {Count}");
        if (Count == 0)
        {
            for (var i = 0; i < Dimensions; i++)
            {
                _shift[i] = vector[i];
            }
        }
        for (var i = 0; i < Dimensions; i++)
        {
            var value = vector[i] - _shift[i];
            _block[i * BlockRows + _buffered] = value;
            _sum[i] += value;
        }
        Count++;
        if (++_buffered == BlockRows)
        {
            Flush();
        }
    }

    /// <summary>The mean and the sample covariance (divided by n − 1), row-major d×d. Needs at least two vectors.</summary>
    public (double[] Mean, double[] Covariance) Finish()
    {
        if (Count < 2)
        {
            throw new WhiteningFitException($"a covariance needs at least 2 vectors; got {Count}.");
        }
        Flush();
        var d = Dimensions;
        var n = (double)Count;
        var mean = new double[d];
        for (var i = 0; i < d; i++)
        {
            mean[i] = _shift[i] + _sum[i] / n;
        }
        var covariance = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var j = i; j < d; j++)
            {
                var value = (_scatter[i * d + j] - _sum[i] * _sum[j] / n) / (n - 1);
                covariance[i * d + j] = value;
                covariance[j * d + i] = value;
            }
        }
        return (mean, covariance);
    }

    private void Flush()
    {
        if (_buffered == 0)
        {
            return;
        }
        var rows = _buffered;
        var d = Dimensions;
        // Row i of the upper triangle costs d − i dot products; dynamic partitioning evens that out.
        Parallel.For(0, d, i =>
        {
            var columnI = new ReadOnlySpan<double>(_block, i * BlockRows, rows);
            for (var j = i; j < d; j++)
            {
                _scatter[i * d + j] += VectorMath.Dot(columnI, new ReadOnlySpan<double>(_block, j * BlockRows, rows));
            }
        });
        _buffered = 0;
    }
}
