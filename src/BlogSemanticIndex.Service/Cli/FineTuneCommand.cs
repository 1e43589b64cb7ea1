using System.CommandLine;
using System.Globalization;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Training;
using Serilog;
using Spectre.Console;

namespace BlogSemanticIndex.Service.Cli;

internal static class FineTuneCommand
{
    public static Command Create()
    {
        var defaults = new FineTuneOptions();
        var pairs = new Option<FileInfo>("--pairs")
        {
            Description = "Training pairs: text1, text2, label (0/1 or 0–5) per row; *.csv is CSV (STS-B's stsb-*.csv), anything else tab-separated (senteval_cn's *.data)",
            Required = true,
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "The model folder to write (set Encoder:Model to it); also holds checkpoints/ and metrics.json", Required = true };
        var model = new Option<string?>("--model") { Description = "The model to start from (default: Encoder:Model): builtin:minilm, builtin:arctic-xs, a folder or a pulled hub id" };
        var eval = new Option<FileInfo?>("--eval") { Description = "Dev pairs, same formats: Spearman of cosine vs label for the base model and after each epoch" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the pairs", DefaultValueFactory = _ => defaults.Epochs };
        var rate = new Option<double>("--lr") { Description = "Peak learning rate (AdamW)", DefaultValueFactory = _ => defaults.LearningRate };
        var batch = new Option<int>("--batch-size") { Description = "Pairs per step", DefaultValueFactory = _ => defaults.BatchSize };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens per text, [CLS] and [SEP] included", DefaultValueFactory = _ => defaults.MaxLength };
        var warmup = new Option<double>("--warmup") { Description = "Share of the steps spent warming the learning rate up, 0–1", DefaultValueFactory = _ => defaults.Warmup };
        var seed = new Option<int>("--seed") { Description = "Seed of the data order", DefaultValueFactory = _ => defaults.Seed };
        var precision = new Option<string>("--precision")
        {
            Description = "fp32; bf16 (CUDA, or a CPU with AVX512-BF16/AMX) or fp16 (CUDA; dynamic loss scaling), both with fp32 master weights",
            DefaultValueFactory = _ => defaults.Precision,
        };
        var objective = new Option<string>("--objective")
        {
            Description = "cosent (CoSENT ranking loss, λ = 20), mse (Sentence-BERT's cosine regression) or softmax (Sentence-BERT's classifier on (u, v, |u−v|) over the labels rounded to integers; the classifier is not written)",
            DefaultValueFactory = _ => "cosent",
        };
        var resume = new Option<bool>("--resume") { Description = "Continue from the last per-epoch checkpoint in --out (after a kill; the data and settings must be the same)" };
        var command = new Command("finetune",
            "Fine-tune the encoder on sentence pairs (CoSENT, cosine MSE or softmax classification) and write a model folder that Encoder:Model loads; a progress bar with loss, pairs/s and ETA.");
        foreach (var option in new Option[] { pairs, output, model, eval, epochs, rate, batch, maxLength, warmup, seed, precision, objective, resume })
        {
            command.Options.Add(option);
        }
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration =>
        {
            try
            {
                var encoder = configuration.GetEncoderOptions();
                var objectiveName = parseResult.GetValue(objective)!;
                var options = new FineTuneOptions
                {
                    Epochs = parseResult.GetValue(epochs),
                    LearningRate = parseResult.GetValue(rate),
                    BatchSize = parseResult.GetValue(batch),
                    MaxLength = parseResult.GetValue(maxLength),
                    Warmup = parseResult.GetValue(warmup),
                    Seed = parseResult.GetValue(seed),
                    Precision = parseResult.GetValue(precision)!,
                    Objective = FineTuneOptions.ParseObjective(objectiveName),
                    Device = encoder.Device,
                    Resume = parseResult.GetValue(resume),
                };
                options.Validate();
                var pairsPath = parseResult.GetValue(pairs)!.FullName;
                var evalPath = parseResult.GetValue(eval)?.FullName;
                var train = SentencePairs.Read(pairsPath);
                var dev = evalPath is null ? null : SentencePairs.Read(evalPath);
                var baseModel = SentenceEncoder.Resolve(new EncoderOptions { Model = parseResult.GetValue(model) ?? encoder.Model, Revision = encoder.Revision });
                var run = new FineTuneRun(baseModel.Folder, baseModel.Name, baseModel.Revision, pairsPath, train, evalPath, dev,
                    parseResult.GetValue(output)!.FullName, options);
                return Task.FromResult(Train(run));
            }
            catch (Exception e) when (e is SentencePairFormatException or FineTuneException or ArgumentException or DirectoryNotFoundException
                                       or ModelHub.HubException)
            {
                Log.Fatal("{Reason}", e.Message);
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
        }));
        return command;
    }

    private static int Train(FineTuneRun run)
    {
        var options = run.Options;
        AnsiConsole.MarkupLine(Markup.Escape(
            $"Fine-tuning {run.BaseName}@{run.BaseRevision} on {run.Train.Count} pairs ({run.PairsPath}), {options.Objective.ToString().ToLowerInvariant()}, " +
            $"{options.Precision}, {options.Epochs} epoch(s), batch {options.BatchSize}, lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}"));
        var metrics = AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting", maxValue: 1);
                var progress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Epochs * p.StepsPerEpoch);
                    task.Value = Math.Max(0, (p.Epoch - 1) * p.StepsPerEpoch + p.Step);
                    task.Description = p.Phase == "training"
                        ? $"epoch {p.Epoch}/{p.Epochs} · step {p.Step}/{p.StepsPerEpoch} · loss {p.Loss:F4} · {p.ExamplesPerSecond:F1} pairs/s" +
                          (p.Remaining is { } eta ? $" · ETA {eta:hh\\:mm\\:ss}" : "")
                        : $"epoch {p.Epoch}/{p.Epochs} · {p.Phase}";
                });
                return EncoderTrainer.Run(run, progress);
            });

        var table = new Table().AddColumns("epoch", "loss", "dev Spearman", "seconds", "pairs/s", "skipped steps");
        table.AddRow("base", "", Format(metrics.BaseDevSpearman), "", "", "");
        foreach (var epoch in metrics.Epochs)
        {
            table.AddRow(epoch.Epoch.ToString(CultureInfo.InvariantCulture), epoch.Loss.ToString("F4", CultureInfo.InvariantCulture),
                Format(epoch.DevSpearman), epoch.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                epoch.ExamplesPerSecond.ToString("F1", CultureInfo.InvariantCulture), epoch.SkippedSteps.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"Wrote {run.OutputFolder} (metrics.json beside it). Use it with --set Encoder:Model={run.OutputFolder}: the service re-embeds every chunk with it before its vectors are searched."));
        return ExitCodes.Ok;

        static string Format(double? value) => value?.ToString("F4", CultureInfo.InvariantCulture) ?? "(no --eval)";
    }
}
