using MathNet.Numerics.LinearAlgebra;

namespace BlogSemanticIndex.Whitening.Tests;

public sealed class WhiteningFitterTests
{
    private static readonly double[] SpreadVariances = Enumerable.Range(0, 16).Select(i => 10.0 / (1 + i)).ToArray();

    [Fact]
    public void Full_whitening_makes_the_sample_covariance_the_identity()
    {
        var data = new SyntheticGaussian(seed: 1, SpreadVariances, meanOffset: 3).Sample(3000);

        var model = WhiteningFitter.Fit(data, new WhiteningParameters(Beta: 1, Gamma: 1, Dims: 16, Epsilon: 0));
        var transformed = data.Select(x => model.TransformUnnormalized(SyntheticGaussian.ToDouble(x))).ToList();
        var covariance = SyntheticGaussian.SampleCovariance(transformed);

        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                Assert.True(Math.Abs(covariance[i, j] - (i == j ? 1 : 0)) < 1e-6, $"covariance[{i},{j}] = {covariance[i, j]:R}");
            }
        }
        // Centred as well: β = 1 subtracts the fitted mean.
        for (var j = 0; j < 16; j++)
        {
            Assert.True(Math.Abs(transformed.Average(t => t[j])) < 1e-9);
        }
    }

    [Fact]
    public void A_rotation_at_full_dims_preserves_cosine_similarities()
    {
        var data = new SyntheticGaussian(seed: 2, SpreadVariances, meanOffset: 1).Sample(500);
        var model = WhiteningFitter.Fit(data, new WhiteningParameters(Beta: 0, Gamma: 0, Dims: 16));

        for (var p = 0; p + 1 < 200; p += 2)
        {
            double[] a = SyntheticGaussian.ToDouble(data[p]), b = SyntheticGaussian.ToDouble(data[p + 1]);
            var expected = SyntheticGaussian.Cosine(a, b);

            var precise = SyntheticGaussian.Cosine(model.TransformUnnormalized(a), model.TransformUnnormalized(b));
            Assert.True(Math.Abs(precise - expected) < 1e-9, $"float64: {precise:R} vs {expected:R}");

            var ta = model.Transform(data[p]);
            var tb = model.Transform(data[p + 1]);
            var single = ta.Zip(tb, (x, y) => (double)x * y).Sum(); // unit vectors: the dot is the cosine
            Assert.True(Math.Abs(single - expected) < 1e-5, $"float32: {single:R} vs {expected:R}");
        }
    }

    [Fact]
    public void Fewer_dims_keep_the_top_variance_directions()
    {
        // Six strong directions (variance 10 to 20) over 26 weak ones (at most 1): a clear gap.
        var variances = Enumerable.Range(0, 6).Select(i => 20.0 - 2 * i)
            .Concat(Enumerable.Range(0, 26).Select(i => 1.0 / (1 + i))).ToArray();
        var gaussian = new SyntheticGaussian(seed: 3, variances, meanOffset: 2);
        var data = gaussian.Sample(20_000);

        var model = WhiteningFitter.Fit(data, new WhiteningParameters(Beta: 1, Gamma: 0.5, Dims: 6));

        // Subspace alignment ‖Vₖᵀ Uₖ‖²_F / k: 1 when the kept columns span the known top-6 eigenvectors.
        var known = gaussian.Rotation.SubMatrix(0, 32, 0, 6);
        var fitted = Matrix<double>.Build.Dense(32, 6, (i, j) => model.Projection[i * 6 + j]);
        var alignment = Math.Pow((known.Transpose() * fitted).FrobeniusNorm(), 2) / 6;
        Assert.True(alignment > 0.995, $"alignment {alignment}");
        // Each kept direction individually (the spectrum is not degenerate), up to sign.
        for (var j = 0; j < 6; j++)
        {
            Assert.True(Math.Abs(known.Column(j).DotProduct(fitted.Column(j))) > 0.99, $"column {j}");
        }
        for (var j = 0; j < 6; j++)
        {
            Assert.InRange(model.Eigenvalues[j], variances[j] * 0.95, variances[j] * 1.05);
        }
        Assert.Equal(6, model.Transform(data[0]).Length);
    }

    [Theory]
    [InlineData(5, 16, 1.0, 1.0, 0.0)]       // n ≤ k, no ε: only the eigenvalue floor keeps it finite
    [InlineData(5, 16, 1.0, 1.0, 1e-6)]
    [InlineData(2, 16, 1.0, 0.5, 1e-6)]      // the fewest vectors a covariance allows
    [InlineData(16, 16, 0.5, 1.0, 0.0)]      // n = k
    public void Too_few_vectors_still_give_finite_unit_vectors(int count, int dims, double beta, double gamma, double epsilon)
    {
        var gaussian = new SyntheticGaussian(seed: 4, SpreadVariances, meanOffset: 1);
        var data = gaussian.Sample(count);

        var model = WhiteningFitter.Fit(data, new WhiteningParameters(beta, gamma, dims, epsilon));

        var probes = data.Concat(gaussian.Sample(20))
            .Append(model.Mean.Select(m => (float)m).ToArray()) // exactly β·μ when β = 1: centring leaves zero
            .Append(new float[16]);
        foreach (var probe in probes)
        {
            AssertFiniteUnit(model.Transform(probe));
        }
        Assert.All(model.Scales, s => Assert.True(double.IsFinite(s) && s > 0));
    }

    [Fact]
    public void Rank_deficient_data_give_finite_unit_vectors()
    {
        // 16-dimensional vectors that only vary in 4 directions.
        var random = new Random(5);
        var basis = SyntheticGaussian.RandomRotation(random, 16).SubMatrix(0, 16, 0, 4);
        var data = Enumerable.Range(0, 1000)
            .Select(_ => (basis * Vector<double>.Build.Dense(4, _ => SyntheticGaussian.NextGaussian(random))).Select(v => (float)(v + 0.5)).ToArray())
            .ToList();

        foreach (var epsilon in new[] { 0.0, 1e-6 })
        {
            var model = WhiteningFitter.Fit(data, new WhiteningParameters(Beta: 1, Gamma: 1, Dims: 12, Epsilon: epsilon));
            Assert.All(model.Eigenvalues.Skip(4), l => Assert.True(l >= 0 && l < 1e-9 * model.Eigenvalues[0]));
            foreach (var vector in data.Take(50).Concat(new SyntheticGaussian(6, SpreadVariances).Sample(50)))
            {
                AssertFiniteUnit(model.Transform(vector));
            }
        }
    }

    [Fact]
    public void Vectors_that_do_not_vary_are_refused()
    {
        var same = Enumerable.Repeat(new float[] { 1, 2, 3, 4 }, 10).ToList();

        var error = Assert.Throws<WhiteningFitException>(() => WhiteningFitter.Fit(same, new WhiteningParameters(1, 1, 2)));
        Assert.Contains("do not vary", error.Message);
        Assert.Throws<WhiteningFitException>(() => WhiteningFitter.Fit([new float[] { 1, 2 }], new WhiteningParameters(0, 0, 2)));
        Assert.Throws<WhiteningFitException>(() => WhiteningFitter.Fit([], new WhiteningParameters(0, 0, 2)));
    }

    [Fact]
    public void Non_finite_or_ragged_input_is_rejected_with_the_vector_named()
    {
        var error = Assert.Throws<ArgumentException>(() => WhiteningFitter.Fit([[1f, 2f], [1f, float.NaN]], new WhiteningParameters(0, 0, 1)));
        Assert.Contains("vector 1", error.Message);
        Assert.Throws<ArgumentException>(() => WhiteningFitter.Fit([[1f, 2f], [1f, 2f, 3f]], new WhiteningParameters(0, 0, 1)));
    }

    [Fact]
    public void Dims_larger_than_the_input_name_the_setting()
    {
        var data = new SyntheticGaussian(7, SpreadVariances).Sample(100);
        var error = Assert.Throws<ArgumentException>(() => WhiteningFitter.Fit(data, new WhiteningParameters(0, 0, 17)));
        Assert.Contains("Whitening:Dims", error.Message);
        Assert.Contains("1 to 16", error.Message);
    }

    [Fact]
    public void Auto_dims_keep_two_thirds()
    {
        var data = new SyntheticGaussian(8, Enumerable.Range(0, 48).Select(i => 1.0 + i).ToArray()).Sample(200);
        Assert.Equal(32, WhiteningFitter.Fit(data, new WhiteningParameters(0, 0, 0)).Dims);
        Assert.Equal(256, WhiteningParameters.AutoDims(384));
        Assert.Equal(512, WhiteningParameters.AutoDims(768));
    }

    [Fact]
    public void A_refit_on_the_same_data_gives_the_same_projection()
    {
        var data = new SyntheticGaussian(9, SpreadVariances, 1).Sample(400);
        var first = WhiteningFitter.Fit(data, new WhiteningParameters(1, 0.5, 8));
        var second = WhiteningFitter.Fit(data, new WhiteningParameters(1, 0.5, 8));
        Assert.Equal(first.Projection, second.Projection);
    }

    [Fact]
    public void One_spectrum_gives_the_same_models_as_separate_fits_for_a_sweep()
    {
        var data = new SyntheticGaussian(12, SpreadVariances, 1).Sample(300);
        var spectrum = WhiteningFitter.FitSpectrum(data);

        foreach (var parameters in new[] { new WhiteningParameters(0, 0, 8), new WhiteningParameters(1, 0.5, 12), new WhiteningParameters(1, 1, 16) })
        {
            var swept = spectrum.ToModel(parameters);
            var direct = WhiteningFitter.Fit(data, parameters);
            Assert.Equal(direct.Transform(data[3]), swept.Transform(data[3]));
        }
        Assert.Equal(1.0, spectrum.ExplainedVariance(16), 12);
        Assert.InRange(spectrum.ExplainedVariance(8), 0.5, 1.0);
    }

    [Fact]
    public void Streamed_covariance_matches_a_two_pass_reference_far_from_the_origin()
    {
        // A large offset is where the one-pass textbook formula cancels catastrophically.
        var data = new SyntheticGaussian(10, SpreadVariances, meanOffset: 1e4).Sample(1000);
        var accumulator = new CovarianceAccumulator(16);
        data.ForEach(x => accumulator.Add(x));

        var (mean, covariance) = accumulator.Finish();
        var reference = SyntheticGaussian.SampleCovariance(data.Select(SyntheticGaussian.ToDouble).ToList());

        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(data.Average(x => (double)x[i]), mean[i], 1e-8);
            for (var j = 0; j < 16; j++)
            {
                Assert.True(Math.Abs(covariance[i * 16 + j] - reference[i, j]) < 1e-9 * (1 + Math.Abs(reference[i, j])),
                    $"[{i},{j}] {covariance[i * 16 + j]:R} vs {reference[i, j]:R}");
            }
        }
    }

    [Fact]
    public void Fits_ten_thousand_minilm_sized_vectors_into_unit_vectors_of_k_dimensions()
    {
        // MiniLM-like: 384 dimensions, unit vectors, a decaying spectrum — the size a first fit meets on a real blog.
        var variances = Enumerable.Range(0, 384).Select(i => 1.0 / (1 + i)).ToArray();
        var data = new SyntheticGaussian(11, variances, meanOffset: 0.05).Sample(10_000);
        foreach (var x in data)
        {
            var norm = (float)Math.Sqrt(x.Sum(v => (double)v * v));
            for (var i = 0; i < x.Length; i++)
            {
                x[i] /= norm;
            }
        }

        var accumulator = new CovarianceAccumulator(384);
        data.ForEach(x => accumulator.Add(x));
        var model = WhiteningFitter.Fit(accumulator, new WhiteningParameters(0, 0, 256));
        var reduced = model.TransformBatch(data);

        Assert.Equal(10_000, reduced.Length);
        Assert.All(reduced, r => Assert.Equal(256, r.Length));
        AssertFiniteUnit(reduced[0]);
        AssertFiniteUnit(reduced[^1]);
        // The batch path and the single-query path are the same transform.
        Assert.All(Enumerable.Range(0, 256), j => Assert.Equal(reduced[42][j], model.Transform(data[42])[j], 1e-5));
    }

    private static void AssertFiniteUnit(float[] vector)
    {
        Assert.All(vector, v => Assert.True(float.IsFinite(v), $"non-finite value {v}"));
        var norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        Assert.Equal(1.0, norm, 1e-5);
    }
}
