namespace BlogSemanticIndex.Training;

/// <summary>
/// The learning rate at each step: a linear rise from 0 over the warm-up steps, then a linear fall to 0 at the last
/// step (Hugging Face's <c>get_linear_schedule_with_warmup</c>, what Sentence-BERT fine-tunes with).
/// </summary>
public sealed record LinearWarmupSchedule(double PeakRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The rate for optimiser step <paramref name="step"/> (0-based).</summary>
    public double RateAt(int step)
    {
        if (step < WarmupSteps)
        {
            return PeakRate * (step + 1) / WarmupSteps;
        }
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        return PeakRate * Math.Max(0, (double)(TotalSteps - step) / decaySteps);
    }
}
