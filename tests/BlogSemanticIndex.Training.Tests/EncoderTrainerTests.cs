using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Training.Tests;

/// <summary>Fine-tuning a tiny random encoder on real STS-B pairs on the CPU (a few seconds per test).</summary>
public sealed class EncoderTrainerTests : IDisposable
{
    private readonly List<string> folders = [];

    public void Dispose()
    {
        foreach (var folder in folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string NewFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "bsi-tests", $"{name}-{Guid.NewGuid():N}");
        folders.Add(folder);
        return folder;
    }

    private FineTuneRun StsbRun(string output, FineTuneOptions options, int trainPairs = 480, int devPairs = 300)
    {
        var baseFolder = TinyEncoderFolder.Create();
        folders.Add(baseFolder);
        var trainPath = SharedData.Require("stsb/stsb-en-train.csv");
        var devPath = SharedData.Require("stsb/stsb-en-dev.csv");
        return new FineTuneRun(baseFolder, "tiny", "random", trainPath, [.. SentencePairs.Read(trainPath).Take(trainPairs)],
            devPath, [.. SentencePairs.Read(devPath).Take(devPairs)], output, options);
    }

    private static readonly FineTuneOptions Quick = new()
    {
        Epochs = 3, LearningRate = 1e-3, BatchSize = 32, MaxLength = 32, Warmup = 0.1, Seed = 5, Device = "cpu",
    };

    [SkippableFact]
    public void Dev_spearman_rises_after_a_few_epochs_of_cosent()
    {
        var run = StsbRun(NewFolder("rise"), Quick);

        var metrics = EncoderTrainer.Run(run);

        Assert.NotNull(metrics.BaseDevSpearman);
        Assert.Equal(3, metrics.Epochs.Count);
        var last = metrics.Epochs[^1].DevSpearman!.Value;
        Assert.True(last > metrics.BaseDevSpearman + 0.02, $"dev Spearman {metrics.BaseDevSpearman:F4} before, {last:F4} after 3 epochs");
        Assert.True(metrics.Epochs[^1].Loss < metrics.Epochs[0].Loss, "the training loss fell");
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(run.OutputFolder, EncoderTrainer.MetricsFile)))!;
        Assert.Equal(metrics.BaseDevSpearman!.Value, written["baseDevSpearman"]!.GetValue<double>(), 12);
        Assert.Equal(3, written["epochs"]!.AsArray().Count);
    }

    [SkippableFact]
    public void The_output_folder_loads_through_Encoder_Model_and_embeds_as_the_trained_model()
    {
        var run = StsbRun(NewFolder("roundtrip"), Quick with { Epochs = 1 }, trainPairs: 128, devPairs: 64);
        EncoderTrainer.Run(run);
        var texts = run.Eval!.Take(20).SelectMany(p => new[] { p.Text1, p.Text2 }).ToArray();

        // The weights as training left them: the last checkpoint, read back into a trainable model.
        using var loaded = SentenceEncoder.Create(new EncoderOptions { Model = run.OutputFolder, Device = "cpu", Precision = "fp32" });
        var fromFolder = loaded.Encode(texts);
        var reference = TrainedReference(run, texts, loaded);

        Assert.StartsWith("sha256:", loaded.Info.Revision);
        Assert.Equal(Path.GetFullPath(run.OutputFolder), loaded.Info.Name);
        for (var i = 0; i < texts.Length; i++)
        {
            var cosine = TensorPrimitives.CosineSimilarity(fromFolder[i], reference[i]);
            Assert.True(cosine >= 0.9999f, $"'{texts[i]}': cosine {cosine}");
        }
    }

    // The trained weights straight from the trainer's last checkpoint through the training forward pass (unfused,
    // linear kernel): independent of the folder writer and of the inference path's fused kernels.
    private static float[][] TrainedReference(FineTuneRun run, string[] texts, SentenceEncoder loaded)
    {
        var checkpoint = Directory.GetDirectories(Path.Combine(run.OutputFolder, EncoderTrainer.CheckpointFolder)).Single();
        var pooling = new Embedding.Stages.Pooling(Embedding.Stages.PoolingMode.Mean);
        using var model = TrainableEncoder.Load(checkpoint, TinyEncoderFolder.Config, pooling, loaded.Tokenizer.PadId, TorchSharp.torch.CPU, TorchSharp.torch.ScalarType.Float32);
        model.Model.eval();
        using var noGrad = TorchSharp.torch.no_grad();
        using var vectors = model.Embed([.. texts.Select(loaded.Tokenize)]);
        var flat = vectors.data<float>().ToArray();
        var width = (int)vectors.shape[1];
        return [.. Enumerable.Range(0, texts.Length).Select(i => flat[(i * width)..((i + 1) * width)])];
    }

    [SkippableTheory]
    [InlineData("cosent")]
    [InlineData("softmax")]
    public void A_run_resumed_after_its_first_epoch_ends_where_an_uninterrupted_run_ends(string objective)
    {
        // With softmax the classifier head's weights and AdamW state must come back from the checkpoint too.
        var options = Quick with { Epochs = 2, Objective = FineTuneOptions.ParseObjective(objective) };
        var straight = StsbRun(NewFolder("straight"), options, trainPairs: 160, devPairs: 64);
        var straightMetrics = EncoderTrainer.Run(straight);

        var killed = straight with { OutputFolder = NewFolder("resumed") };
        using (var cancel = new CancellationTokenSource())
        {
            // Cancelled at the first step of epoch 2: as if killed after the epoch-1 checkpoint.
            var progress = new SynchronousProgress(p =>
            {
                if (p.Epoch == 2 && p.Phase == "training")
                {
                    cancel.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() => EncoderTrainer.Run(killed, progress, cancel.Token));
        }
        var resumedMetrics = EncoderTrainer.Run(killed with { Options = options with { Resume = true } });

        Assert.Equal(straightMetrics.BaseDevSpearman, resumedMetrics.BaseDevSpearman);
        Assert.Equal(straightMetrics.Epochs.Select(e => Math.Round(e.Loss, 5)), resumedMetrics.Epochs.Select(e => Math.Round(e.Loss, 5)));
        Assert.Equal(straightMetrics.Epochs[^1].DevSpearman!.Value, resumedMetrics.Epochs[^1].DevSpearman!.Value, 4);
    }

    [SkippableFact]
    public void Resume_refuses_a_checkpoint_made_with_other_settings()
    {
        var run = StsbRun(NewFolder("mismatch"), Quick with { Epochs = 1 }, trainPairs: 64, devPairs: 32);
        EncoderTrainer.Run(run);

        var error = Assert.Throws<FineTuneException>(() => EncoderTrainer.Run(run with { Options = run.Options with { Resume = true, Seed = 6, Epochs = 2 } }));
        Assert.Contains("--resume", error.Message);
        var refused = Assert.Throws<FineTuneException>(() => EncoderTrainer.Run(run));
        Assert.Contains("already holds a model", refused.Message);
    }

    [SkippableFact]
    public void Bf16_on_a_cpu_with_avx512_bf16_trains_with_fp32_master_weights()
    {
        Skip.IfNot(DeviceSelection.CpuSupportsBf16, "this CPU has neither AVX512-BF16 nor AMX");
        var run = StsbRun(NewFolder("bf16"), Quick with { Precision = "bf16" });

        var metrics = EncoderTrainer.Run(run);

        Assert.Equal("bf16", metrics.Precision);
        Assert.True(metrics.Epochs[^1].DevSpearman > metrics.BaseDevSpearman + 0.02,
            $"dev Spearman {metrics.BaseDevSpearman:F4} before, {metrics.Epochs[^1].DevSpearman:F4} after");
        var weights = Embedding.Checkpoints.SafeTensors.ReadInfo(Path.Combine(run.OutputFolder, "model.safetensors"));
        Assert.All(weights, w => Assert.Equal(TorchSharp.torch.ScalarType.Float32, w.DType));
    }

    [SkippableTheory]
    [InlineData("fp32", "cosent")]
    [InlineData("bf16", "cosent")]
    [InlineData("bf16", "softmax")]
    public void Training_and_scoring_twice_leaves_no_more_live_tensors_than_once(string precision, string objective)
    {
        Skip.If(precision == "bf16" && !DeviceSelection.CpuSupportsBf16, "this CPU has neither AVX512-BF16 nor AMX");
        // Twice, as the benchmark trains and scores several models in one process. The count is TorchSharp's live tensor
        // handles created on this thread: a handle dropped without Dispose stays counted even after the GC's finalizer
        // frees it (on its own thread), so the result does not depend on when the GC runs. Nothing is cached across
        // runs today, so the count also returns to where it started.
        var before = LiveTensors();
        TrainAndScore(precision, objective);
        var afterOne = LiveTensors();
        TrainAndScore(precision, objective);
        var afterTwo = LiveTensors();

        Assert.Equal(afterOne, afterTwo);
        Assert.Equal(before, afterTwo);
    }

    private static long LiveTensors() => TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    private void TrainAndScore(string precision, string objective)
    {
        var run = StsbRun(NewFolder("leak"), Quick with { Epochs = 2, Precision = precision, Objective = FineTuneOptions.ParseObjective(objective) },
            trainPairs: 96, devPairs: 32);
        EncoderTrainer.Run(run);
        using var encoder = SentenceEncoder.Create(new EncoderOptions { Model = run.OutputFolder, Device = "cpu", Precision = "fp32" });
        encoder.Encode([.. run.Eval!.Select(p => p.Text1)]);
    }

    [SkippableFact]
    public void Softmax_keeps_its_head_in_the_checkpoint_and_writes_a_plain_encoder_folder()
    {
        var run = StsbRun(NewFolder("softmax"), Quick with { Epochs = 1, Objective = TrainingObjective.Softmax }, trainPairs: 64, devPairs: 32);

        EncoderTrainer.Run(run);

        var checkpoint = Directory.GetDirectories(Path.Combine(run.OutputFolder, EncoderTrainer.CheckpointFolder)).Single();
        var head = Embedding.Checkpoints.SafeTensors.ReadInfo(Path.Combine(checkpoint, SoftmaxClassifierHead.CheckpointFile));
        // STS-B's 0–5 labels rounded: six classes over (u, v, |u − v|) of the 32-wide vectors.
        Assert.Equal([6L, 96], head.Single(t => t.Name == "weight").Shape);
        var written = Embedding.Checkpoints.SafeTensors.ReadInfo(Path.Combine(run.OutputFolder, "model.safetensors"));
        var baseWeights = Embedding.Checkpoints.SafeTensors.ReadInfo(Path.Combine(run.BaseFolder, "model.safetensors"));
        Assert.Equal(baseWeights.Select(t => t.Name).Order(), written.Select(t => t.Name).Order());
        Assert.False(File.Exists(Path.Combine(run.OutputFolder, SoftmaxClassifierHead.CheckpointFile)));
        using var loaded = SentenceEncoder.Create(new EncoderOptions { Model = run.OutputFolder, Device = "cpu", Precision = "fp32" });
        Assert.Equal(32, loaded.Encode(["a guitar"])[0].Length);
    }

    [Fact]
    public void Fp16_on_the_cpu_is_refused_with_the_option_named()
    {
        var folder = TinyEncoderFolder.Create();
        folders.Add(folder);
        var run = new FineTuneRun(folder, "tiny", "random", "x.tsv", [new SentencePair("a", "b", 1), new SentencePair("c", "d", 0)], null, null,
            NewFolder("fp16"), Quick with { Precision = "fp16" });

        var error = Assert.Throws<FineTuneException>(() => EncoderTrainer.Run(run));
        Assert.StartsWith("--precision fp16 needs a CUDA device", error.Message);
    }

    [Fact]
    public void Each_epoch_order_depends_only_on_the_seed_and_the_epoch()
    {
        Assert.Equal(EncoderTrainer.EpochOrder(50, 3, 1), EncoderTrainer.EpochOrder(50, 3, 1));
        Assert.NotEqual(EncoderTrainer.EpochOrder(50, 3, 1), EncoderTrainer.EpochOrder(50, 3, 2));
        Assert.Equal(Enumerable.Range(0, 50), EncoderTrainer.EpochOrder(50, 3, 1).Order());
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
