using System.Globalization;

namespace BlogSemanticIndex.Training;

/// <summary>How a fine-tune runs; the defaults are Sentence-BERT's and CoSENT's usual settings for a small encoder.</summary>
public sealed record FineTuneOptions
{
    public int Epochs { get; init; } = 1;
    public double LearningRate { get; init; } = 2e-5;
    public int BatchSize { get; init; } = 32;

    /// <summary>Tokens per text, [CLS] and [SEP] included; longer texts are cut (at most the model's own limit).</summary>
    public int MaxLength { get; init; } = 64;

    /// <summary>The warm-up's share of all optimiser steps, 0–1.</summary>
    public double Warmup { get; init; } = 0.1;

    public int Seed { get; init; } = 42;

    /// <summary><c>fp32</c>, <c>bf16</c> (CUDA, or a CPU with AVX512-BF16/AMX) or <c>fp16</c> (CUDA only).</summary>
    public string Precision { get; init; } = "fp32";

    public TrainingObjective Objective { get; init; } = TrainingObjective.CoSent;

    /// <summary>As <c>Encoder:Device</c>: <c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Gradients are scaled down so their global L2 norm is at most this.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>AdamW's decoupled weight decay, applied to weight matrices (not to biases and LayerNorm).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Continue from the last per-epoch checkpoint in the output folder.</summary>
    public bool Resume { get; init; }

    /// <summary>Clean fp16 steps before the loss scale doubles.</summary>
    public int LossScaleGrowthInterval { get; init; } = 2000;

    public static readonly IReadOnlyList<string> Precisions = ["fp32", "bf16", "fp16"];

    /// <summary>The <c>--objective</c> values, as <see cref="ParseObjective"/> reads them.</summary>
    public static readonly IReadOnlyList<string> ObjectiveNames = ["cosent", "mse", "softmax"];

    /// <summary>The objective named <paramref name="name"/> on the command line; refuses anything else, listing the names.</summary>
    public static TrainingObjective ParseObjective(string name) => name switch
    {
        "cosent" => TrainingObjective.CoSent,
        "mse" => TrainingObjective.Mse,
        "softmax" => TrainingObjective.Softmax,
        _ => throw new ArgumentException($"--objective is {name}; allowed: {string.Join(", ", ObjectiveNames)}."),
    };

    /// <summary>Refuses values out of range, naming the command-line option and what it allows.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, "--epochs", Epochs, "a whole number ≥ 1");
        Require(LearningRate > 0 && LearningRate < 1, "--lr", LearningRate, "a number between 0 and 1, e.g. 2e-5");
        Require(BatchSize >= 2, "--batch-size", BatchSize, "a whole number ≥ 2 (CoSENT compares pairs within a batch)");
        Require(MaxLength >= 3, "--max-length", MaxLength, "a whole number ≥ 3 ([CLS], one token, [SEP])");
        Require(Warmup is >= 0 and <= 1, "--warmup", Warmup, "a fraction of the steps between 0 and 1");
        Require(Precisions.Contains(Precision), "--precision", Precision, string.Join(", ", Precisions));
        Require(MaxGradNorm > 0, "max gradient norm", MaxGradNorm, "a positive number");
    }

    private static void Require(bool condition, string name, object value, string allowed)
    {
        if (!condition)
        {
            throw new ArgumentException($"{name} is {Convert.ToString(value, CultureInfo.InvariantCulture)}; allowed: {allowed}.");
        }
    }
}
