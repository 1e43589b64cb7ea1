namespace BlogSemanticIndex.Training.Tests;

public sealed class LinearWarmupScheduleTests
{
    [Fact]
    public void Rises_linearly_over_the_warm_up_then_falls_to_zero_at_the_end()
    {
        var schedule = new LinearWarmupSchedule(PeakRate: 1e-3, WarmupSteps: 4, TotalSteps: 10);
        var rates = Enumerable.Range(0, 10).Select(schedule.RateAt).ToArray();

        Assert.Equal([0.25e-3, 0.5e-3, 0.75e-3, 1e-3], rates[..4].Select(r => Math.Round(r, 9)));
        Assert.Equal(1e-3, rates[4], 12);
        Assert.Equal(1e-3 / 6, rates[9], 12);
        Assert.True(rates[4..].Zip(rates[5..]).All(p => p.First > p.Second));
    }

    [Fact]
    public void Without_warm_up_starts_at_the_peak()
    {
        var schedule = new LinearWarmupSchedule(2e-5, 0, 5);
        Assert.Equal(2e-5, schedule.RateAt(0), 12);
    }
}
