// Fine-tunes the builtin MiniLM with each objective and precision from the same seed, one epoch by default, and scores
// STS-B English test (train on stsb-en-train) and LCQMC test (train on LCQMC.valid, the only training split here):
// Spearman of cosine vs label for the base model and each fine-tune, seconds per epoch, the load average beside each run.
//   dotnet run -c Release --project bench/FineTune [-- --task stsb|lcqmc|both] [--train-pairs N] [--test-pairs N]
//       [--epochs 1] [--objectives cosent,mse,softmax] [--precisions fp32,bf16] [--batch-size 32] [--lr 2e-5] [--seed 42]
// Fine-tuned folders go to $TMPDIR/bsi-finetune-bench/ and are deleted after scoring.
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.Tokenization;
using BlogSemanticIndex.Training;

string Arg(string name, string fallback) => args.Contains(name) ? args[Array.IndexOf(args, name) + 1] : fallback;
var task = Arg("--task", "both");
var trainLimit = int.Parse(Arg("--train-pairs", "0"), CultureInfo.InvariantCulture);
var testLimit = int.Parse(Arg("--test-pairs", "0"), CultureInfo.InvariantCulture);
var epochs = int.Parse(Arg("--epochs", "1"), CultureInfo.InvariantCulture);
var objectives = Arg("--objectives", "cosent,mse").Split(',').Select(FineTuneOptions.ParseObjective).ToArray();
var precisions = Arg("--precisions", DeviceSelection.CpuSupportsBf16 ? "fp32,bf16" : "fp32").Split(',');
var batchSize = int.Parse(Arg("--batch-size", "32"), CultureInfo.InvariantCulture);
var rate = double.Parse(Arg("--lr", "2e-5"), CultureInfo.InvariantCulture);
var seed = int.Parse(Arg("--seed", "42"), CultureInfo.InvariantCulture);
var data = Arg("--data", Path.GetDirectoryName(SharedDataFolder.Find("stsb", "stsb-en-train.csv"))!);

Console.WriteLine($"Machine: {Environment.ProcessorCount} logical CPUs, {Cpu()}; AVX512-BF16/AMX: {DeviceSelection.CpuSupportsBf16}; no GPU used.");
Console.WriteLine($"Settings: {epochs} epoch(s), batch {batchSize}, lr {rate}, warm-up 10%, max length 64, seed {seed}, train pairs {(trainLimit > 0 ? trainLimit : "all")}, test pairs {(testLimit > 0 ? testLimit : "all")}");
var baseModel = BuiltinModel.MiniLm.EnsureImported();
var rows = new List<string>();

if (task is "stsb" or "both")
{
    Run("STS-B en", Path.Combine(data, "stsb", "stsb-en-train.csv"), Path.Combine(data, "stsb", "stsb-en-test.csv"));
}
if (task is "lcqmc" or "both")
{
    var valid = Path.Combine(data, "senteval_cn", "LCQMC", "LCQMC.valid.data");
    var test = Path.Combine(data, "senteval_cn", "LCQMC", "LCQMC.test.data");
    ReportVocabulary(test);
    Run("LCQMC", valid, test);
}

Console.WriteLine();
Console.WriteLine("| task | model | precision | test Spearman ×100 | s / epoch | pairs/s | load average (1/5/15 min) at the end |");
Console.WriteLine("|---|---|---|---|---|---|---|");
rows.ForEach(Console.WriteLine);

void Run(string name, string trainPath, string testPath)
{
    var train = Limit(SentencePairs.Read(trainPath), trainLimit);
    var test = Limit(SentencePairs.Read(testPath), testLimit);
    Console.WriteLine($"{name}: {train.Count} training pairs from {Path.GetFileName(trainPath)}, {test.Count} test pairs from {Path.GetFileName(testPath)}");
    var baseScore = Score(baseModel.Folder, test);
    rows.Add($"| {name} | base (builtin:minilm) | fp32 | {baseScore * 100:F2} | | | {Load()} |");
    Console.WriteLine($"  base: {baseScore * 100:F2}  (load {Load()})");
    foreach (var precision in precisions)
    {
        foreach (var objective in objectives)
        {
            var output = Path.Combine(Path.GetTempPath(), "bsi-finetune-bench", $"{name.Replace(' ', '-')}-{objective}-{precision}-{Guid.NewGuid():N}");
            var clock = Stopwatch.StartNew();
            var metrics = EncoderTrainer.Run(new FineTuneRun(baseModel.Folder, BuiltinModel.MiniLm.ModelId, baseModel.Revision, trainPath, train, null, null, output,
                new FineTuneOptions { Epochs = epochs, BatchSize = batchSize, LearningRate = rate, Seed = seed, Precision = precision, Objective = objective, Device = "cpu" }));
            var score = Score(output, test);
            var seconds = metrics.Epochs.Average(e => e.Seconds);
            var pairsPerSecond = metrics.Epochs.Average(e => e.ExamplesPerSecond);
            rows.Add($"| {name} | {objective.ToString().ToLowerInvariant()} | {precision} | {score * 100:F2} | {seconds:F0} | {pairsPerSecond:F1} | {Load()} |");
            Console.WriteLine($"  {objective} {precision}: {score * 100:F2}, {seconds:F0} s/epoch ({clock.Elapsed.TotalSeconds:F0} s with scoring), load {Load()}");
            Directory.Delete(output, recursive: true);
        }
    }
}

// Spearman of cosine vs label over the test pairs, the model loaded as the service loads it (fp32, CPU).
static double Score(string folder, IReadOnlyList<SentencePair> pairs)
{
    using var encoder = SentenceEncoder.Create(new EncoderOptions { Model = folder, Device = "cpu", Precision = "fp32" });
    var first = encoder.Encode([.. pairs.Select(p => p.Text1)]);
    var second = encoder.Encode([.. pairs.Select(p => p.Text2)]);
    var cosines = first.Select((a, i) => (double)TensorPrimitives.CosineSimilarity(a, second[i])).ToArray();
    return Spearman.Correlation(cosines, [.. pairs.Select(p => p.Label)]);
}

// What MiniLM's English WordPiece vocabulary reads of the Chinese test set: Han characters that become a token of their
// own rather than [UNK] (BERT's tokenizer splits Chinese into single characters, so there are no words to match).
void ReportVocabulary(string path)
{
    var tokenizer = WordPieceTokenizer.FromModelFolder(baseModel.Folder);
    long occurrences = 0, read = 0;
    var known = new Dictionary<int, bool>();
    foreach (var pair in SentencePairs.Read(path))
    {
        foreach (var rune in (pair.Text1 + pair.Text2).EnumerateRunes().Where(r => EncoderCoverage.ScriptOf(r) == Script.Han))
        {
            if (!known.TryGetValue(rune.Value, out var hasToken))
            {
                known[rune.Value] = hasToken = tokenizer.Encode(rune.ToString(), 8).Ids is var ids && ids.Length == 3 && ids[1] != tokenizer.UnknownId;
            }
            occurrences++;
            read += hasToken ? 1 : 0;
        }
    }
    Console.WriteLine($"LCQMC test vocabulary: of {known.Count} distinct Han characters, {known.Count(k => k.Value)} have a token in MiniLM's {tokenizer.VocabularySize}-token vocabulary; " +
                      $"{read * 100.0 / Math.Max(1, occurrences):F1}% of the {occurrences} Han characters in the text are read, the rest are [UNK]");
}

static List<SentencePair> Limit(IReadOnlyList<SentencePair> pairs, int limit) => [.. limit > 0 ? pairs.Take(limit) : pairs];

static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string Cpu() => File.Exists("/proc/cpuinfo")
    ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU"
    : "unknown CPU";
