using static TorchSharp.torch;

namespace BlogSemanticIndex.Training;

/// <summary>What the fine-tune optimises.</summary>
public enum TrainingObjective
{
    /// <summary>CoSENT (Su, 2022): a ranking loss on the cosines of pairs with different labels.</summary>
    CoSent,

    /// <summary>Sentence-BERT's cosine regression: mean squared error between the cosine and the label scaled to [0, 1].</summary>
    Mse,
}

public static class Objectives
{
    /// <summary>CoSENT's scale λ: the author's value.</summary>
    public const double CoSentScale = 20;

    /// <summary>
    /// CoSENT: log(1 + Σ over pairs (i, j) with label_i &gt; label_j of exp(λ·(s_j − s_i))), as a log-sum-exp over the
    /// ordered pairs' terms and one 0 (the "1 +"), so it neither overflows for large λ·Δs nor needs a special case
    /// for a batch without ordered pairs (its loss is log 1 = 0 with zero gradient).
    /// </summary>
    /// <param name="cosines">s, float [n].</param>
    /// <param name="labels">float [n] on the same device.</param>
    public static Tensor CoSent(Tensor cosines, Tensor labels, double scale = CoSentScale)
    {
        using var scope = NewDisposeScope();
        // differences[i, j] = λ·(s_j − s_i), kept where label_i > label_j.
        var differences = (cosines.unsqueeze(0) - cosines.unsqueeze(1)) * scale;
        var ordered = labels.unsqueeze(1) > labels.unsqueeze(0);
        var terms = differences.masked_select(ordered);
        var withOne = cat([zeros(1, dtype: terms.dtype, device: terms.device), terms]);
        return withOne.logsumexp(0).MoveToOuterDisposeScope();
    }

    /// <summary>Mean squared error between the cosines and <paramref name="labels"/>/<paramref name="labelScale"/>.</summary>
    public static Tensor CosineMse(Tensor cosines, Tensor labels, double labelScale)
    {
        using var scope = NewDisposeScope();
        return nn.functional.mse_loss(cosines, labels / labelScale).MoveToOuterDisposeScope();
    }

    public static Tensor Compute(TrainingObjective objective, Tensor cosines, Tensor labels, double labelScale) => objective switch
    {
        TrainingObjective.CoSent => CoSent(cosines, labels),
        TrainingObjective.Mse => CosineMse(cosines, labels, labelScale),
        _ => throw new ArgumentOutOfRangeException(nameof(objective), objective, null),
    };
}
