namespace BlogSemanticIndex.Whitening.Tests;

public sealed class WhiteningOptionsTests
{
    [Fact]
    public void The_defaults_are_valid_and_reduce_minilm_to_256_dims_by_rotation()
    {
        var options = new WhiteningOptions();

        Assert.Empty(options.Validate());
        var parameters = options.ToParameters();
        Assert.Equal((0.0, 0.0), (parameters.Beta, parameters.Gamma));
        Assert.Equal(256, parameters.ResolveDims(384));
    }

    [Theory]
    [InlineData(nameof(WhiteningOptions.Beta), "Whitening:Beta")]
    [InlineData(nameof(WhiteningOptions.Gamma), "Whitening:Gamma")]
    [InlineData(nameof(WhiteningOptions.Dims), "Whitening:Dims")]
    [InlineData(nameof(WhiteningOptions.Epsilon), "Whitening:Epsilon")]
    [InlineData(nameof(WhiteningOptions.RefitGrowthFraction), "Whitening:RefitGrowthFraction")]
    [InlineData(nameof(WhiteningOptions.MinVectors), "Whitening:MinVectors")]
    [InlineData(nameof(WhiteningOptions.BatchSize), "Whitening:BatchSize")]
    [InlineData(nameof(WhiteningOptions.HnswM), "Whitening:HnswM")]
    public void An_invalid_setting_is_named_with_its_allowed_values(string property, string setting)
    {
        var options = new WhiteningOptions();
        var bad = property switch
        {
            nameof(WhiteningOptions.Dims) or nameof(WhiteningOptions.MinVectors) or nameof(WhiteningOptions.BatchSize)
                or nameof(WhiteningOptions.HnswM) => (object)(-1),
            _ => (object)1.5e3,
        };
        typeof(WhiteningOptions).GetProperty(property)!.SetValue(options, bad);

        var errors = options.Validate();

        var error = Assert.Single(errors);
        Assert.StartsWith(setting, error);
        Assert.Contains("allowed", error);
        Assert.Contains(setting, Assert.Throws<ArgumentException>(options.ValidateOrThrow).Message);
    }

    [Fact]
    public void Dims_above_the_encoder_are_refused_for_that_encoder()
    {
        var errors = new WhiteningParameters(0, 0, 400).Validate(384);
        Assert.Contains("1 to 384", Assert.Single(errors));
    }
}
