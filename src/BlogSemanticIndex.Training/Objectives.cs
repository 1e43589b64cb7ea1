using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Training;

/// <summary>What the fine-tune optimises.</summary>
public enum TrainingObjective
{
    /// <summary>CoSENT (Su, 2022): a ranking loss on the cosines of pairs with different labels.</summary>
    CoSent,

    /// <summary>Sentence-BERT's cosine regression: mean squared error between the cosine and the label scaled to [0, 1].</summary>
    Mse,

    /// <summary>
    /// Sentence-BERT's classification objective: a linear layer over (u, v, |u − v|), softmax cross-entropy over the
    /// label classes; the layer is trained with the encoder and discarded (<see cref="SoftmaxClassifierHead"/>).
    /// </summary>
    Softmax,
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

    /// <summary>
    /// Softmax cross-entropy of <paramref name="classifier"/>'s logits for the features (u, v, |u − v|), averaged over the
    /// batch: −log softmax(W·[u; v; |u − v|] + b)[class] per pair.
    /// </summary>
    /// <param name="first">u, float [n, hidden].</param>
    /// <param name="second">v, float [n, hidden].</param>
    /// <param name="classes">int64 [n], each in 0 … classes − 1.</param>
    public static Tensor SoftmaxCrossEntropy(Linear classifier, Tensor first, Tensor second, Tensor classes)
    {
        using var scope = NewDisposeScope();
        var features = cat([first, second, (first - second).abs()], dim: 1);
        return nn.functional.cross_entropy(classifier.forward(features), classes).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The loss of a batch of pairs from their sentence vectors (float [n, hidden] each) and labels (float [n]).
    /// <paramref name="classifier"/> is the softmax objective's head, and only that objective's.
    /// </summary>
    public static Tensor Compute(TrainingObjective objective, Tensor first, Tensor second, Tensor labels, double labelScale, Linear? classifier = null)
    {
        using var scope = NewDisposeScope();
        var loss = objective switch
        {
            TrainingObjective.CoSent => CoSent(nn.functional.cosine_similarity(first, second, dim: 1), labels),
            TrainingObjective.Mse => CosineMse(nn.functional.cosine_similarity(first, second, dim: 1), labels, labelScale),
            TrainingObjective.Softmax => SoftmaxCrossEntropy(
                classifier ?? throw new ArgumentNullException(nameof(classifier), "the softmax objective needs its classifier head"),
                first, second, ClassesOf(labels)),
            _ => throw new ArgumentOutOfRangeException(nameof(objective), objective, null),
        };
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Each label's class as <see cref="SoftmaxClassifierHead.ClassOf"/> computes it: floor(label + 0.5), int64.</summary>
    public static Tensor ClassesOf(Tensor labels)
    {
        using var scope = NewDisposeScope();
        return (labels + 0.5).floor().to(ScalarType.Int64).MoveToOuterDisposeScope();
    }
}
