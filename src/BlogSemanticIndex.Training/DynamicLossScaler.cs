namespace BlogSemanticIndex.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training (Micikevicius et al., 2018): the loss is multiplied by <see cref="Scale"/>
/// before the backward pass so small gradients do not flush to zero in fp16; gradients are divided by it again in
/// fp32. A step whose gradients overflowed (inf or NaN) is skipped and the scale halved; after
/// <see cref="GrowthInterval"/> clean steps in a row it doubles.
/// </summary>
public sealed class DynamicLossScaler(double initialScale = 65536, int growthInterval = 2000, double minScale = 1)
{
    public double Scale { get; private set; } = initialScale;

    public int GrowthInterval { get; } = growthInterval;

    /// <summary>Clean steps since the last overflow or growth.</summary>
    public int CleanSteps { get; private set; }

    /// <summary>Steps skipped so far because their gradients overflowed.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>
    /// Records one step's outcome and says whether the optimiser may apply it: false (skip) when
    /// <paramref name="gradientsFinite"/> is false.
    /// </summary>
    public bool Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale = Math.Max(minScale, Scale / 2);
            CleanSteps = 0;
            SkippedSteps++;
            return false;
        }
        if (++CleanSteps >= GrowthInterval)
        {
            Scale *= 2;
            CleanSteps = 0;
        }
        return true;
    }

    /// <summary>Restores the state saved in a checkpoint.</summary>
    public void Restore(double scale, int cleanSteps, int skippedSteps)
    {
        Scale = scale;
        CleanSteps = cleanSteps;
        SkippedSteps = skippedSteps;
    }
}
