using static TorchSharp.torch;

namespace BlogSemanticIndex.Training.Tests;

public sealed class DynamicLossScalerTests
{
    [Fact]
    public void An_fp16_overflow_skips_the_step_halves_the_scale_and_training_recovers()
    {
        var scaler = new DynamicLossScaler(initialScale: 65536, growthInterval: 3);
        // A real fp16 overflow on the CPU: a gradient of 1.5 scaled by 65536 exceeds fp16's largest value, 65504.
        using var gradient = tensor(new[] { 1.5f, 0.5f }).to(ScalarType.Float16);
        var applied = new List<bool>();
        while (true)
        {
            using var scaled = gradient * scaler.Scale;
            var finite = scaled.isfinite().all().item<bool>();
            applied.Add(scaler.Update(finite));
            if (finite)
            {
                break;
            }
        }

        Assert.Equal([false, true], applied);
        Assert.Equal(32768, scaler.Scale);
        Assert.Equal(1, scaler.SkippedSteps);

        // Clean steps: after growthInterval of them in a row the scale doubles again.
        Assert.True(scaler.Update(true));
        Assert.Equal(32768, scaler.Scale);
        Assert.True(scaler.Update(true));
        Assert.Equal(65536, scaler.Scale);
        Assert.Equal(0, scaler.CleanSteps);
    }

    [Fact]
    public void Repeated_overflows_never_take_the_scale_below_its_floor()
    {
        var scaler = new DynamicLossScaler(initialScale: 4, growthInterval: 10, minScale: 1);
        for (var i = 0; i < 5; i++)
        {
            Assert.False(scaler.Update(false));
        }
        Assert.Equal(1, scaler.Scale);
        Assert.Equal(5, scaler.SkippedSteps);
    }

    [Fact]
    public void An_overflow_resets_the_count_of_clean_steps()
    {
        var scaler = new DynamicLossScaler(initialScale: 8, growthInterval: 2);
        scaler.Update(true);
        scaler.Update(false);
        scaler.Update(true);
        Assert.Equal(4, scaler.Scale);
        scaler.Update(true);
        Assert.Equal(8, scaler.Scale);
    }
}
