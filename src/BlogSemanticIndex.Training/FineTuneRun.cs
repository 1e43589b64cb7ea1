namespace BlogSemanticIndex.Training;

/// <summary>What to fine-tune on what, and where the result goes.</summary>
/// <param name="BaseFolder">The starting model's folder (a sentence-transformers or plain Hugging Face BERT folder).</param>
/// <param name="BaseName">How the starting model is named (e.g. <c>builtin:minilm</c>), recorded in the output.</param>
/// <param name="BaseRevision">Its revision, recorded in the output.</param>
/// <param name="PairsPath">The training pairs' file, for messages and the checkpoint's fingerprint.</param>
/// <param name="EvalPath">The dev pairs' file, or null.</param>
public sealed record FineTuneRun(
    string BaseFolder,
    string BaseName,
    string BaseRevision,
    string PairsPath,
    IReadOnlyList<SentencePair> Train,
    string? EvalPath,
    IReadOnlyList<SentencePair>? Eval,
    string OutputFolder,
    FineTuneOptions Options);

/// <summary>Where a fine-tune is, for a progress display.</summary>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    int Step,
    int StepsPerEpoch,
    double Loss,
    double ExamplesPerSecond,
    TimeSpan? Remaining,
    string Phase);

/// <summary>One epoch's outcome.</summary>
public sealed record EpochMetrics(int Epoch, double Loss, double? DevSpearman, double Seconds, double ExamplesPerSecond, int SkippedSteps, double LossScale);

/// <summary>The whole run's outcome, as written to <c>metrics.json</c>.</summary>
public sealed record FineTuneMetrics(
    string BaseModel,
    string BaseRevision,
    string Objective,
    string Precision,
    string Device,
    int TrainPairs,
    int? DevPairs,
    double? BaseDevSpearman,
    IReadOnlyList<EpochMetrics> Epochs,
    FineTuneOptions Options);

/// <summary>A refused run: bad options, a device or precision this machine lacks, a checkpoint that does not match.</summary>
public sealed class FineTuneException(string message) : Exception(message);
