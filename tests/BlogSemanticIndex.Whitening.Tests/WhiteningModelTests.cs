namespace BlogSemanticIndex.Whitening.Tests;

public sealed class WhiteningModelTests
{
    private static readonly double[] Variances = Enumerable.Range(0, 12).Select(i => 5.0 / (1 + i)).ToArray();

    [Fact]
    public void The_float32_transform_matches_the_float64_reference()
    {
        var data = new SyntheticGaussian(20, Variances, meanOffset: 2).Sample(300);
        var model = WhiteningFitter.Fit(data, new WhiteningParameters(Beta: 1, Gamma: 0.5, Dims: 8));

        foreach (var x in data.Take(50))
        {
            var reference = model.TransformUnnormalized(SyntheticGaussian.ToDouble(x));
            var norm = Math.Sqrt(reference.Sum(v => v * v));
            var single = model.Transform(x);
            for (var j = 0; j < 8; j++)
            {
                Assert.Equal(reference[j] / norm, single[j], 1e-5);
            }
        }
    }

    [Fact]
    public void The_batch_transform_equals_one_at_a_time()
    {
        var data = new SyntheticGaussian(21, Variances, meanOffset: 1).Sample(200);
        var model = WhiteningFitter.Fit(data, new WhiteningParameters(1, 1, 6));

        var batch = model.TransformBatch(data);

        for (var i = 0; i < data.Count; i++)
        {
            Assert.Equal(model.Transform(data[i]), batch[i]);
        }
    }

    [Fact]
    public void Scales_follow_the_regularised_eigenvalues()
    {
        var data = new SyntheticGaussian(22, Variances).Sample(500);
        var model = WhiteningFitter.Fit(data, new WhiteningParameters(0, 0.5, 12, Epsilon: 0.01));

        for (var j = 0; j < 12; j++)
        {
            var expected = Math.Pow(model.Eigenvalues[j] + 0.01 * model.Eigenvalues[0], -0.25);
            Assert.Equal(expected, model.Scales[j], 12);
        }
    }

    [Fact]
    public void A_model_rebuilt_from_its_stored_parts_transforms_identically()
    {
        var data = new SyntheticGaussian(23, Variances, 1).Sample(100);
        var model = WhiteningFitter.Fit(data, new WhiteningParameters(1, 0.5, 5), sourceModelId: 7);

        var copy = new WhiteningModel(model.SourceModelId, model.Beta, model.Gamma, model.Dims, model.Epsilon,
            model.Mean.ToArray(), model.Projection.ToArray(), model.Eigenvalues.ToArray(), model.VectorCount, model.FitSeconds);

        Assert.Equal(model.Transform(data[0]), copy.Transform(data[0]));
        Assert.Equal(7, copy.SourceModelId);
        Assert.Equal(100, copy.VectorCount);
    }

    [Fact]
    public void Wrong_lengths_are_rejected_with_the_expected_size()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new WhiteningModel(1, 0, 0, 2, 0, new double[3], new double[5], [1, 0.5, 0.1], 10, 0));
        Assert.Contains("3×2", error.Message);

        var data = new SyntheticGaussian(24, Variances).Sample(50);
        var model = WhiteningFitter.Fit(data, new WhiteningParameters(0, 0, 4));
        var wrong = Assert.Throws<ArgumentException>(() => model.Transform(new float[11]));
        Assert.Contains("takes 12", wrong.Message);
        Assert.Throws<ArgumentException>(() => model.Transform(Enumerable.Repeat(float.PositiveInfinity, 12).ToArray()));
    }
}
