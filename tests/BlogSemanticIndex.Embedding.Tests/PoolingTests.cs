using BlogSemanticIndex.Embedding.Stages;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Tests;

public sealed class PoolingTests
{
    // Two texts, three positions, two features; the second text has one padding position.
    private static readonly float[] States = [1, 2, 3, 4, 5, 6, /* text 2 */ -1, 0, 7, 2, 100, 100];
    private static readonly bool[] Mask = [true, true, true, true, true, false];

    private static float[] Pool(PoolingMode mode)
    {
        using var scope = NewDisposeScope();
        var pooled = new Pooling(mode).Forward(tensor(States, [2, 3, 2]), tensor(Mask, [2, 3]));
        return pooled.data<float>().ToArray();
    }

    [Fact]
    public void Mean_ignores_padding() => Assert.Equal([3f, 4f, 3f, 1f], Pool(PoolingMode.Mean));

    [Fact]
    public void Cls_takes_the_first_token() => Assert.Equal([1f, 2f, -1f, 0f], Pool(PoolingMode.Cls));

    [Fact]
    public void Max_ignores_padding() => Assert.Equal([5f, 6f, 7f, 2f], Pool(PoolingMode.Max));

    [Fact]
    public void Mean_sqrt_len_divides_the_sum_by_the_root_of_the_length()
    {
        var pooled = Pool(PoolingMode.MeanSqrtLen);
        Assert.Equal(9 / Math.Sqrt(3), pooled[0], 5);
        Assert.Equal(6 / Math.Sqrt(2), pooled[2], 5);
    }

    [Fact]
    public void Config_file_modes_are_read_and_unknown_ones_listed()
    {
        var folder = TinyBert.TempFolder("pooling");
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), """{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
            Assert.Equal(PoolingMode.Cls, Pooling.Load(folder).Mode);

            File.WriteAllText(Path.Combine(folder, "config.json"), """{"pooling_mode_weightedmean_tokens": true}""");
            var error = Assert.Throws<NotSupportedException>(() => Pooling.Load(folder));
            Assert.Contains("pooling_mode_weightedmean_tokens", error.Message);
            Assert.Contains("pooling_mode_mean_tokens", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Normalize_gives_unit_vectors()
    {
        using var scope = NewDisposeScope();
        var normalized = Normalize.Forward(tensor(new[] { 3f, 4f, 0f, 2f }, [2, 2])).data<float>().ToArray();
        Assert.Equal([0.6f, 0.8f, 0f, 1f], normalized);
    }
}
