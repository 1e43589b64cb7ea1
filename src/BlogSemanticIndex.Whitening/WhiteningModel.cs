namespace BlogSemanticIndex.Whitening;

/// <summary>
/// A fitted whitening transform: x̃ = normalise((x − β·μ) · U[:, :k] · diag((Λ + ε·λ₁)^(−γ/2))[:k]).
/// Immutable; <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> is safe to call from many threads.
/// </summary>
/// <remarks>
/// The constructor folds U, Λ, γ and ε into one k×d float32 matrix W and β·μ into a k-vector c, so a
/// transform is k dot products of length d minus c (about 0.1 M multiply-adds for 384 → 256): cheap
/// enough to run per query. The float64 path (<see cref="TransformUnnormalized"/>) keeps the exact
/// arithmetic for tests and for comparing against a reference.
/// </remarks>
public sealed class WhiteningModel
{
    private readonly double[] _mean;
    private readonly double[] _projection;
    private readonly double[] _eigenvalues;
    private readonly double[] _scales;
    private readonly float[] _weights;     // k×d row-major: W[j, i] = U[i, j] · scale_j
    private readonly double[] _weights64;  // the same in float64
    private readonly float[] _offset;      // c_j = β · μ · W[j, :]
    private readonly double[] _offset64;

    /// <param name="sourceModelId">The encoder model (encoder_models.id) whose raw vectors were fitted; 0 when none.</param>
    /// <param name="mean">μ, d values.</param>
    /// <param name="projection">U[:, :k], row-major d×k, columns orthonormal and sorted by eigenvalue descending.</param>
    /// <param name="eigenvalues">Λ, all d eigenvalues of the covariance, descending, not yet regularised.</param>
    public WhiteningModel(int sourceModelId, double beta, double gamma, int dims, double epsilon,
        double[] mean, double[] projection, double[] eigenvalues, int vectorCount, double fitSeconds)
    {
        new WhiteningParameters(beta, gamma, dims, epsilon).ValidateOrThrow(mean.Length);
        var d = mean.Length;
        if (d == 0 || dims < 1)
        {
            throw new ArgumentException($"a whitening model needs at least one input and one output dimension; got d={d}, k={dims}.");
        }
        if (projection.Length != d * dims)
        {
            throw new ArgumentException($"projection has {projection.Length} values; expected d×k = {d}×{dims} = {d * dims}.", nameof(projection));
        }
        if (eigenvalues.Length != d)
        {
            throw new ArgumentException($"eigenvalues has {eigenvalues.Length} values; expected d = {d}.", nameof(eigenvalues));
        }
        if (!mean.All(double.IsFinite) || !projection.All(double.IsFinite) || !eigenvalues.All(double.IsFinite))
        {
            throw new ArgumentException("mean, projection and eigenvalues must be finite.");
        }
        var largest = eigenvalues.Max();
        if (!(largest > 0))
        {
            throw new ArgumentException("the largest eigenvalue must be positive (the fitted vectors must vary).", nameof(eigenvalues));
        }

        SourceModelId = sourceModelId;
        Beta = beta;
        Gamma = gamma;
        Dims = dims;
        Epsilon = epsilon;
        VectorCount = vectorCount;
        FitSeconds = fitSeconds;
        _mean = mean;
        _projection = projection;
        _eigenvalues = eigenvalues;

        _scales = new double[dims];
        for (var j = 0; j < dims; j++)
        {
            _scales[j] = Math.Pow(RegularisedEigenvalue(eigenvalues[j], largest, epsilon), -gamma / 2);
        }
        _weights = new float[dims * d];
        _weights64 = new double[dims * d];
        _offset = new float[dims];
        _offset64 = new double[dims];
        for (var j = 0; j < dims; j++)
        {
            double offset = 0;
            for (var i = 0; i < d; i++)
            {
                var w = projection[i * dims + j] * _scales[j];
                _weights64[j * d + i] = w;
                _weights[j * d + i] = (float)w;
                offset += beta * mean[i] * w;
            }
            _offset64[j] = offset;
            _offset[j] = (float)offset;
        }
    }

    public int SourceModelId { get; }
    public double Beta { get; }
    public double Gamma { get; }

    /// <summary>k, the output dimensions.</summary>
    public int Dims { get; }

    public double Epsilon { get; }
    public int VectorCount { get; }
    public double FitSeconds { get; }

    /// <summary>d, the encoder's dimensions.</summary>
    public int InputDimensions => _mean.Length;

    public IReadOnlyList<double> Mean => _mean;

    /// <summary>U[:, :k], row-major d×k (as stored in whitening_models.projection).</summary>
    public IReadOnlyList<double> Projection => _projection;

    /// <summary>All d eigenvalues, descending, before regularisation.</summary>
    public IReadOnlyList<double> Eigenvalues => _eigenvalues;

    /// <summary>The factor applied to each kept column: (λⱼ + ε·λ₁)^(−γ/2).</summary>
    public IReadOnlyList<double> Scales => _scales;

    /// <summary>Share of the total variance in the k kept directions.</summary>
    public double ExplainedVariance
    {
        get
        {
            var total = _eigenvalues.Sum(l => Math.Max(l, 0));
            return total > 0 ? _eigenvalues.Take(Dims).Sum(l => Math.Max(l, 0)) / total : 0;
        }
    }

    internal double[] MeanArray => _mean;
    internal double[] ProjectionArray => _projection;
    internal double[] EigenvaluesArray => _eigenvalues;

    /// <summary>
    /// max(λ, 0) + ε·λ₁, floored at <see cref="WhiteningParameters.EigenvalueFloor"/>·λ₁ so the power −γ/2
    /// is finite even with ε = 0 and an exactly singular direction.
    /// </summary>
    public static double RegularisedEigenvalue(double eigenvalue, double largest, double epsilon) =>
        Math.Max(Math.Max(eigenvalue, 0) + epsilon * largest, WhiteningParameters.EigenvalueFloor * largest);

    /// <summary>Reduces one raw vector (d values) to a unit vector of k values.</summary>
    public float[] Transform(ReadOnlySpan<float> vector)
    {
        var result = new float[Dims];
        Transform(vector, result);
        return result;
    }

    /// <summary>Reduces one raw vector (d finite values) into <paramref name="destination"/> (k values), L2-normalised.</summary>
    public void Transform(ReadOnlySpan<float> vector, Span<float> destination)
    {
        var d = InputDimensions;
        if (vector.Length != d)
        {
            throw new ArgumentException($"the vector has {vector.Length} dimensions; this whitening model takes {d}.", nameof(vector));
        }
        if (destination.Length != Dims)
        {
            throw new ArgumentException($"the destination has {destination.Length} values; this whitening model writes {Dims}.", nameof(destination));
        }
        VectorMath.RequireFinite(vector, "the vector");
        var weights = _weights.AsSpan();
        double norm = 0;
        for (var j = 0; j < Dims; j++)
        {
            var value = VectorMath.Dot(weights.Slice(j * d, d), vector) - _offset[j];
            destination[j] = value;
            norm += (double)value * value;
        }
        if (!(norm > MinimumSquaredNorm))
        {
            // The vector sat on β·μ (or outside every kept direction): centring left nothing to normalise.
            // Fall back to the uncentred projection, which still places it by its direction.
            norm = 0;
            for (var j = 0; j < Dims; j++)
            {
                var value = VectorMath.Dot(weights.Slice(j * d, d), vector);
                destination[j] = value;
                norm += (double)value * value;
            }
        }
        if (!(norm > MinimumSquaredNorm))
        {
            // Nothing of the vector survives the projection (a zero input): any fixed unit vector is as good.
            destination.Clear();
            destination[0] = 1;
            return;
        }
        var inverse = (float)(1 / Math.Sqrt(norm));
        for (var j = 0; j < Dims; j++)
        {
            destination[j] *= inverse;
        }
    }

    /// <summary>Reduces many vectors; rows are processed in parallel for large batches.</summary>
    public float[][] TransformBatch(IReadOnlyList<float[]> vectors)
    {
        var results = new float[vectors.Count][];
        if (vectors.Count < 64)
        {
            for (var r = 0; r < vectors.Count; r++)
            {
                results[r] = Transform(vectors[r]);
            }
        }
        else
        {
            Parallel.For(0, vectors.Count, r => results[r] = Transform(vectors[r]));
        }
        return results;
    }

    /// <summary>(x − β·μ) · U[:, :k] · diag(scale) in float64, before normalisation.</summary>
    public double[] TransformUnnormalized(ReadOnlySpan<double> vector)
    {
        var d = InputDimensions;
        if (vector.Length != d)
        {
            throw new ArgumentException($"the vector has {vector.Length} dimensions; this whitening model takes {d}.", nameof(vector));
        }
        var result = new double[Dims];
        for (var j = 0; j < Dims; j++)
        {
            result[j] = VectorMath.Dot(_weights64.AsSpan(j * d, d), vector) - _offset64[j];
        }
        return result;
    }

    private const double MinimumSquaredNorm = 1e-30;
}
