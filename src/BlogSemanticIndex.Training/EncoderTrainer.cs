using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.Embedding.Stages;
using BlogSemanticIndex.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Training;

/// <summary>
/// Fine-tunes a sentence encoder on sentence pairs. Each step embeds both texts of a batch of pairs and applies the
/// objective to the two vectors (to their cosine, or through the softmax objective's classifier head, trained
/// alongside); AdamW with a linear warm-up and decay, gradient clipping at <see cref="FineTuneOptions.MaxGradNorm"/>.
/// After each epoch: dev Spearman, and a checkpoint (weights, the head's, optimiser, loss scale, metrics) that
/// <see cref="FineTuneOptions.Resume"/> continues from. The data order of epoch e depends only on (seed, e), so a
/// resumed run takes the same steps as one never interrupted.
/// </summary>
/// <remarks>
/// Mixed precision keeps fp32 master weights, which the optimiser updates, and runs the forward and backward passes on
/// a bf16 or fp16 copy refreshed after each step; gradients are copied to fp32 before clipping. TorchSharp has no
/// autocast, so the whole copy runs in low precision (pooling, cosines and loss stay fp32). fp16 adds dynamic loss
/// scaling (<see cref="DynamicLossScaler"/>); bf16 has fp32's exponent range and needs none. The encoder has no dropout
/// (it is built for inference), so training is deterministic for a seed on a given machine.
/// </remarks>
public static class EncoderTrainer
{
    public const string MetricsFile = "metrics.json";
    public const string CheckpointFolder = "checkpoints";
    private const string StateFile = "trainer-state.json";
    private const string OptimizerFile = "optimizer.pt";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static FineTuneMetrics Run(FineTuneRun run, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var options = run.Options;
        options.Validate();
        var checkpoints = Path.Combine(run.OutputFolder, CheckpointFolder);
        if (!options.Resume && (File.Exists(Path.Combine(run.OutputFolder, CheckpointLoader.SafeTensorsFile)) || Directory.Exists(checkpoints)))
        {
            throw new FineTuneException($"{run.OutputFolder} already holds a model or checkpoints; pass --resume to continue it, or choose another --out.");
        }

        var device = DeviceSelection.ResolveDevice(options.Device);
        var precision = ResolvePrecision(options.Precision, device);
        random.manual_seed(options.Seed);

        var manifest = ModulesManifest.Load(run.BaseFolder);
        var config = BertConfig.Load(Path.Combine(manifest.TransformerPath, "config.json"));
        var tokenizer = WordPieceTokenizer.FromModelFolder(manifest.TransformerPath);
        var pooling = manifest.PoolingPath is null ? new Pooling(PoolingMode.Mean) : Pooling.Load(manifest.PoolingPath);
        var maxLength = Math.Min(options.MaxLength, Math.Min(tokenizer.MaxLength, config.MaxPositionEmbeddings));
        int[] Tokenize(string text) => tokenizer.Encode(text, maxLength).Ids;

        var first = run.Train.Select(p => Tokenize(p.Text1)).ToArray();
        var second = run.Train.Select(p => Tokenize(p.Text2)).ToArray();
        var labels = run.Train.Select(p => (float)p.Label).ToArray();
        var labelScale = SentencePairs.LabelScale(run.Train);
        var devFirst = run.Eval?.Select(p => Tokenize(p.Text1)).ToArray();
        var devSecond = run.Eval?.Select(p => Tokenize(p.Text2)).ToArray();
        var devLabels = run.Eval?.Select(p => p.Label).ToArray();

        using var master = TrainableEncoder.Load(manifest.TransformerPath, config, pooling, tokenizer.PadId, device, ScalarType.Float32);
        master.Model.train();
        var lowPrecision = precision != EncoderPrecision.Fp32;
        using var working = lowPrecision ? master.CopyAs(precision.ToScalarType()) : null;
        var compute = working ?? master;
        compute.Model.train();

        var stepsPerEpoch = (run.Train.Count + options.BatchSize - 1) / options.BatchSize;
        var totalSteps = stepsPerEpoch * options.Epochs;
        var schedule = new LinearWarmupSchedule(options.LearningRate, (int)Math.Round(options.Warmup * totalSteps), totalSteps);
        var masterParameters = master.Model.named_parameters().ToList();
        // Created after the encoder, so its initial weights too depend only on the seed.
        using var head = options.Objective == TrainingObjective.Softmax
            ? new SoftmaxClassifierHead(config.HiddenSize, SoftmaxClassifierHead.ClassCount(run.Train), device)
            : null;
        var headParameters = head?.NamedParameters.ToList() ?? [];
        using var optimizer = CreateOptimizer([.. masterParameters, .. headParameters], options);
        var scaler = new DynamicLossScaler(precision == EncoderPrecision.Fp16 ? 65536 : 1, options.LossScaleGrowthInterval);
        var fingerprint = Fingerprint(run, maxLength, precision);

        double? DevSpearman() => devFirst is null ? null : Spearman.Correlation(master.Cosines(devFirst, devSecond!), devLabels!);

        var history = new List<EpochMetrics>();
        double? baseSpearman;
        var startEpoch = 0;
        if (options.Resume && LatestCheckpoint(checkpoints) is { } latest)
        {
            var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(latest, StateFile)), Json)!;
            if (state.Fingerprint != fingerprint)
            {
                throw new FineTuneException(
                    $"--resume: the checkpoint in {latest} was made by another run ({state.Fingerprint}); this one is {fingerprint}. Use the same data and settings, or another --out.");
            }
            master.Model.load_safetensors(Path.Combine(latest, CheckpointLoader.SafeTensorsFile));
            head?.Load(Path.Combine(latest, SoftmaxClassifierHead.CheckpointFile));
            optimizer.load_py(Path.Combine(latest, OptimizerFile));
            working?.CopyWeightsFrom(master);
            scaler.Restore(state.LossScale, state.CleanSteps, state.SkippedSteps);
            history.AddRange(state.Epochs);
            baseSpearman = state.BaseDevSpearman;
            startEpoch = state.EpochsDone;
        }
        else
        {
            progress?.Report(new TrainingProgress(0, options.Epochs, 0, stepsPerEpoch, double.NaN, 0, null, "evaluating the base model"));
            baseSpearman = DevSpearman();
        }

        var runClock = Stopwatch.StartNew();
        var examplesThisRun = 0L;
        for (var epoch = startEpoch; epoch < options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var order = EpochOrder(run.Train.Count, options.Seed, epoch);
            double lossSum = 0;
            var skippedBefore = scaler.SkippedSteps;
            for (var step = 0; step < stepsPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = order.Skip(step * options.BatchSize).Take(options.BatchSize).ToArray();
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = schedule.RateAt(epoch * stepsPerEpoch + step);
                }
                lossSum += TrainStep(compute, master, masterParameters, head, headParameters, optimizer, scaler, options, batch, first, second, labels, labelScale, lowPrecision);
                examplesThisRun += batch.Length;
                var perSecond = examplesThisRun / Math.Max(1e-9, runClock.Elapsed.TotalSeconds);
                var examplesLeft = (long)(options.Epochs - epoch - 1) * run.Train.Count + (run.Train.Count - (step + 1) * options.BatchSize);
                progress?.Report(new TrainingProgress(epoch + 1, options.Epochs, step + 1, stepsPerEpoch, lossSum / (step + 1), perSecond,
                    TimeSpan.FromSeconds(Math.Max(0, examplesLeft) / Math.Max(1e-9, perSecond)), "training"));
            }
            var seconds = clock.Elapsed.TotalSeconds;
            progress?.Report(new TrainingProgress(epoch + 1, options.Epochs, stepsPerEpoch, stepsPerEpoch, lossSum / stepsPerEpoch,
                run.Train.Count / seconds, null, "evaluating"));
            history.Add(new EpochMetrics(epoch + 1, lossSum / stepsPerEpoch, DevSpearman(), seconds, run.Train.Count / seconds,
                scaler.SkippedSteps - skippedBefore, scaler.Scale));
            SaveCheckpoint(checkpoints, epoch + 1, master, head, optimizer, new TrainerState(fingerprint, epoch + 1, scaler.Scale, scaler.CleanSteps,
                scaler.SkippedSteps, baseSpearman, history));
        }

        ModelFolderWriter.Write(run.OutputFolder, master.Model, manifest, run.BaseFolder, pooling.Mode);
        var metrics = new FineTuneMetrics(run.BaseName, run.BaseRevision, options.Objective.ToString().ToLowerInvariant(),
            precision.ToSettingName(), device.ToString(), run.Train.Count, run.Eval?.Count, baseSpearman, history, options);
        File.WriteAllText(Path.Combine(run.OutputFolder, MetricsFile), JsonSerializer.Serialize(metrics, Json));
        return metrics;
    }

    /// <summary>
    /// One optimiser step on the pairs <paramref name="batch"/>; returns the (unscaled) loss. Skips the update when the
    /// gradients are not finite (fp16 overflow) and lets the scaler adjust.
    /// </summary>
    private static double TrainStep(TrainableEncoder compute, TrainableEncoder master, List<(string Name, Parameter Parameter)> masterParameters,
        SoftmaxClassifierHead? head, List<(string Name, Parameter Parameter)> headParameters,
        OptimizerHelper optimizer, DynamicLossScaler scaler, FineTuneOptions options, int[] batch, int[][] first, int[][] second,
        float[] labels, double labelScale, bool lowPrecision)
    {
        using var scope = NewDisposeScope();
        var vectors = compute.Embed([.. batch.Select(i => first[i]), .. batch.Select(i => second[i])]);
        var target = tensor(batch.Select(i => labels[i]).ToArray()).to(vectors.device);
        var loss = Objectives.Compute(options.Objective, vectors[..batch.Length], vectors[batch.Length..], target, labelScale, head?.Layer);
        (scaler.Scale == 1 ? loss : loss * scaler.Scale).backward();

        if (lowPrecision)
        {
            // fp32 master gradients from the low-precision ones, unscaled; the working copy's are cleared for the next step.
            // The new gradient's handle stays in this step's scope: the parameter holds its own reference to the native
            // tensor, so disposing the handle frees nothing the parameter uses. (Detaching the handle from the scope
            // leaked one fp32 copy of the model per step until the GC finalised it: 87 MiB a step for MiniLM.)
            foreach (var ((_, masterParameter), (_, workingParameter)) in masterParameters.Zip(compute.Model.named_parameters()))
            {
                var gradient = workingParameter.grad;
                masterParameter.grad = gradient is null ? null : gradient.to(ScalarType.Float32) / scaler.Scale;
                workingParameter.grad = null;
            }
        }
        if (scaler.Scale != 1)
        {
            // The head is fp32 and trains in place: its gradients only need the loss scale taken out.
            foreach (var (_, headParameter) in headParameters)
            {
                headParameter.grad?.div_(scaler.Scale);
            }
        }
        var norm = nn.utils.clip_grad_norm_(masterParameters.Concat(headParameters).Select(p => p.Parameter), options.MaxGradNorm);
        if (scaler.Update(double.IsFinite(norm)))
        {
            optimizer.step();
            if (lowPrecision)
            {
                compute.CopyWeightsFrom(master);
            }
        }
        optimizer.zero_grad();
        return loss.item<float>();
    }

    /// <summary>AdamW, with weight decay on weight matrices only: biases and LayerNorm parameters are not decayed (as BERT).</summary>
    private static AdamW CreateOptimizer(List<(string Name, Parameter Parameter)> parameters, FineTuneOptions options)
    {
        static bool Decays(string name) => !name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("LayerNorm", StringComparison.Ordinal);
        return optim.AdamW(
        [
            new AdamW.ParamGroup(parameters.Where(p => Decays(p.Name)).Select(p => p.Parameter), new AdamW.Options { weight_decay = options.WeightDecay }),
            new AdamW.ParamGroup(parameters.Where(p => !Decays(p.Name)).Select(p => p.Parameter), new AdamW.Options { weight_decay = 0 }),
        ], lr: options.LearningRate);
    }

    /// <summary>The pair order of <paramref name="epoch"/>: a shuffle that depends only on the seed and the epoch.</summary>
    internal static int[] EpochOrder(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(HashCode.Combine(seed, epoch) & int.MaxValue).Shuffle(order);
        return order;
    }

    private static EncoderPrecision ResolvePrecision(string setting, Device device)
    {
        var onCuda = device.type == DeviceType.CUDA;
        return setting switch
        {
            "fp16" when !onCuda => throw new FineTuneException("--precision fp16 needs a CUDA device (with fp32 master weights and loss scaling); on the CPU use fp32" +
                                                               (DeviceSelection.CpuSupportsBf16 ? " or bf16." : ".")),
            "bf16" when !onCuda && !DeviceSelection.CpuSupportsBf16 => throw new FineTuneException("--precision bf16 on the CPU needs AVX512-BF16 or AMX, which this CPU lacks; use fp32."),
            "fp16" => EncoderPrecision.Fp16,
            "bf16" => EncoderPrecision.Bf16,
            _ => EncoderPrecision.Fp32,
        };
    }

    // What must match for a checkpoint to be continued: the data, the starting model and every setting that shapes the steps.
    private static string Fingerprint(FineTuneRun run, int maxLength, EncoderPrecision precision)
    {
        var o = run.Options;
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var pair in run.Train)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{pair.Text1}\t{pair.Text2}\t{pair.Label.ToString(CultureInfo.InvariantCulture)}\n"));
        }
        var data = Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
        return string.Create(CultureInfo.InvariantCulture,
            $"{run.BaseName}@{run.BaseRevision} data {data} ({run.Train.Count} pairs) {o.Objective} {precision.ToSettingName()} epochs {o.Epochs} lr {o.LearningRate} batch {o.BatchSize} max-length {maxLength} warmup {o.Warmup} seed {o.Seed}");
    }

    private static string? LatestCheckpoint(string folder) =>
        Directory.Exists(folder)
            ? Directory.GetDirectories(folder, "epoch-*")
                .Where(d => File.Exists(Path.Combine(d, StateFile)))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d)["epoch-".Length..], CultureInfo.InvariantCulture))
                .FirstOrDefault()
            : null;

    // Written beside and moved into place, so a kill mid-write leaves the previous checkpoint whole; older ones are removed.
    private static void SaveCheckpoint(string folder, int epoch, TrainableEncoder master, SoftmaxClassifierHead? head, OptimizerHelper optimizer, TrainerState state)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, $"epoch-{epoch}");
        var temporary = target + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }
        Directory.CreateDirectory(temporary);
        ModelFolderWriter.SaveWeights(master.Model, Path.Combine(temporary, CheckpointLoader.SafeTensorsFile));
        head?.Save(Path.Combine(temporary, SoftmaxClassifierHead.CheckpointFile));
        optimizer.save_py(Path.Combine(temporary, OptimizerFile));
        File.WriteAllText(Path.Combine(temporary, StateFile), JsonSerializer.Serialize(state, Json));
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
        Directory.Move(temporary, target);
        foreach (var older in Directory.GetDirectories(folder, "epoch-*").Where(d => d != target))
        {
            Directory.Delete(older, recursive: true);
        }
    }

    private sealed record TrainerState(
        string Fingerprint,
        int EpochsDone,
        double LossScale,
        int CleanSteps,
        int SkippedSteps,
        double? BaseDevSpearman,
        List<EpochMetrics> Epochs);
}
