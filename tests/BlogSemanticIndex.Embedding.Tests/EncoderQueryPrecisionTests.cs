namespace BlogSemanticIndex.Embedding.Tests;

/// <summary><c>Encoder:QueryPrecision</c>: what the query encoder runs in, and its validation.</summary>
public sealed class EncoderQueryPrecisionTests
{
    [Fact]
    public void Auto_means_the_encoder_precision()
    {
        var options = new EncoderOptions { Device = "cpu", Precision = "fp32" };
        Assert.Equal("fp32", options.ForQueries().Precision);
        Assert.Equal("bf16", new EncoderOptions { Precision = "bf16" }.ForQueries().Precision);
    }

    [Fact]
    public void An_explicit_query_precision_wins_and_the_rest_is_kept()
    {
        var options = new EncoderOptions { Device = "cpu", Precision = "auto", QueryPrecision = "fp32", Model = "builtin:arctic-xs", Threads = 2 };
        var queries = options.ForQueries();
        Assert.Equal("fp32", queries.Precision);
        Assert.Equal(("builtin:arctic-xs", 2), (queries.Model, queries.Threads));
    }

    [Fact]
    public void An_unknown_query_precision_is_refused_with_the_allowed_values()
    {
        var error = Assert.Single(new EncoderOptions { QueryPrecision = "int8" }.Validate());
        Assert.Equal("Encoder:QueryPrecision 'int8' is not valid; allowed values: auto, fp32, fp16, bf16.", error);
    }
}
