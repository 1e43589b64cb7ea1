// On a CUDA machine: our SentenceEncoder with random weights of real model shapes, in fp32, fp16
// and bf16 — parity of each against fp32 on the same GPU and against CPU fp32, and chunks/s at
// several lengths and batch sizes. Writes the model folders and token ids it used, so the PyTorch
// anchor (gpu_anchor.py) runs the very same weights and inputs.
using System.Diagnostics;
using System.Text.Json;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using TorchSharp;
using static TorchSharp.torch;

var outDir = Arg("--out") ?? Path.Combine(Path.GetTempPath(), "gpu-check");
var tokenBudget = int.Parse(Arg("--budget") ?? "131072");
var seconds = double.Parse(Arg("--seconds") ?? "1.0", System.Globalization.CultureInfo.InvariantCulture);
// --device cpu runs the same program without a GPU, to check it here before spending GPU time.
var device = Arg("--device") ?? "cuda";
var precisions = device == "cpu" ? new[] { "fp32", "bf16" } : new[] { "fp32", "fp16", "bf16" };
var lengths = (Arg("--lengths") ?? "32,128,256").Split(',').Select(int.Parse).ToArray();
Directory.CreateDirectory(outDir);

if (Environment.GetEnvironmentVariable("BSI_LIBTORCH_DIR") is { Length: > 0 } libTorch)
{
    LibTorchLoader.Load(libTorch);
}
Console.WriteLine($"torch: cuda available {cuda.is_available()}, devices {cuda.device_count()}");
if (device != "cpu" && !cuda.is_available())
{
    Console.WriteLine("FAIL: CUDA is not available to TorchSharp");
    return 2;
}

var shapes = new Dictionary<string, string>
{
    ["minilm-l6"] = """{"hidden_size":384,"num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"max_position_embeddings":512,"vocab_size":30522,"type_vocab_size":2,"layer_norm_eps":1e-12,"hidden_act":"gelu","model_type":"bert","architectures":["BertModel"]}""",
    ["bge-small-zh"] = """{"hidden_size":512,"num_hidden_layers":4,"num_attention_heads":8,"intermediate_size":2048,"max_position_embeddings":512,"vocab_size":21128,"type_vocab_size":2,"layer_norm_eps":1e-12,"hidden_act":"gelu","model_type":"bert","architectures":["BertModel"]}""",
};

if (Arg("--forward-only") is { } forwardOnly)
{
    // For a kernel profiler (ncu): just the model's forward pass, twice, bf16, the MiniLM-L6 shape.
    var parts = forwardOnly.Split('x').Select(int.Parse).ToArray();
    var folder = Path.Combine(outDir, "forward-only");
    var config = WriteRandomModel(folder, shapes["minilm-l6"]);
    using var model = new BertModel(config);
    CheckpointLoader.Apply(model, CheckpointLoader.ReadTensors(Path.Combine(folder, CheckpointLoader.SafeTensorsFile)), folder);
    model.to(CUDA, ScalarType.BFloat16);
    model.PrepareForInference();
    using var ids = randint(5, config.VocabSize, [parts[1], parts[0]], ScalarType.Int64, CUDA);
    for (var i = 0; i < 2; i++)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        model.forward(ids, null);
    }
    cuda.synchronize();
    return 0;
}

var report = new Dictionary<string, object>();
var rng = new Random(20261126);
foreach (var (shape, configJson) in shapes)
{
    var folder = Path.Combine(outDir, shape);
    var config = WriteRandomModel(folder, configJson);

    // Parity inputs: 64 texts of mixed length 8..256 with padding inside batches.
    var parityIds = Enumerable.Range(0, 64).Select(_ => RandomIds(rng, rng.Next(8, 257), config.VocabSize)).ToList();
    File.WriteAllText(Path.Combine(folder, "parity_ids.json"), JsonSerializer.Serialize(parityIds));

    float[][] Run(string device, string precision, IReadOnlyList<int[]> ids, int budget)
    {
        using var encoder = SentenceEncoder.FromFolder(folder, new EncoderOptions { Device = device, Precision = precision, MaxTokensPerBatch = budget }, shape, "random");
        return encoder.EncodeIds(ids);
    }

    var cpu = Run("cpu", "fp32", parityIds, 8192);
    var gpu32 = Run(device, "fp32", parityIds, 8192);
    File.WriteAllText(Path.Combine(folder, "parity_ours_fp32.json"), JsonSerializer.Serialize(gpu32));
    var parity = new Dictionary<string, double> { [$"{device}-fp32 vs cpu-fp32"] = MinCosine(gpu32, cpu) };
    foreach (var precision in precisions.Skip(1))
    {
        parity[$"{device}-{precision} vs {device}-fp32"] = MinCosine(Run(device, precision, parityIds, 8192), gpu32);
    }
    foreach (var (name, value) in parity)
    {
        Console.WriteLine($"{shape} parity min cosine {name}: {value:F6} {(value >= 0.999 ? "ok" : "LOW")}");
    }

    var throughput = new List<object>();
    foreach (var precision in precisions)
    {
        using var encoder = SentenceEncoder.FromFolder(folder, new EncoderOptions { Device = device, Precision = precision, MaxTokensPerBatch = tokenBudget }, shape, "random");
        foreach (var length in lengths)
        {
            foreach (var batch in BatchSizes(length, tokenBudget))
            {
                var ids = Enumerable.Range(0, batch).Select(_ => RandomIds(rng, length, config.VocabSize)).ToList();
                var chunksPerSecond = Measure(() => encoder.EncodeIds(ids), batch, seconds);
                Console.WriteLine($"{shape} {precision} len {length,3} batch {batch,4}: {chunksPerSecond,10:F0} chunks/s");
                throughput.Add(new { precision, length, batch, chunksPerSecond });
            }
        }
    }
    report[shape] = new { parity, throughput, profile = Profile(folder, config, device, tokenBudget, rng) };
}
File.WriteAllText(Path.Combine(outDir, "torchsharp.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
return 0;

// Where a batch's time goes: host-side preparation, the model's forward pass alone (synchronised),
// and the whole EncodeIds call, for bf16 at the extremes of the token budget.
static List<object> Profile(string folder, BertConfig config, string device, int budget, Random rng)
{
    var rows = new List<object>();
    if (device == "cpu") return rows;
    var dev = new Device(device);
    using var model = new BertModel(config);
    var tensors = CheckpointLoader.ReadTensors(Path.Combine(folder, CheckpointLoader.SafeTensorsFile));
    CheckpointLoader.Apply(model, tensors, folder);
    model.to(dev, ScalarType.BFloat16);
    model.PrepareForInference();
    using var encoder = SentenceEncoder.FromFolder(folder, new EncoderOptions { Device = device, Precision = "bf16", MaxTokensPerBatch = budget });
    foreach (var length in new[] { 32, 256 })
    {
        var batch = budget / length;
        var ids = Enumerable.Range(0, batch).Select(_ => RandomIds(rng, length, config.VocabSize)).ToList();
        var flat = ids.SelectMany(x => x).Select(x => (long)x).ToArray();
        double Time(Action action)
        {
            for (var i = 0; i < 3; i++) action();
            cuda.synchronize();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 10; i++) action();
            cuda.synchronize();
            return clock.Elapsed.TotalMilliseconds / 10;
        }
        using var onDevice = tensor(flat, [batch, length], ScalarType.Int64).to(dev);
        var forwardMs = Time(() =>
        {
            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            model.forward(onDevice, null);
        });
        var hostToDeviceMs = Time(() =>
        {
            using var scope = NewDisposeScope();
            tensor(flat, [batch, length], ScalarType.Int64).to(dev);
        });
        var fullMs = Time(() => encoder.EncodeIds(ids));
        Console.WriteLine($"profile bf16 len {length} batch {batch}: forward {forwardMs:F2} ms, ids to device {hostToDeviceMs:F2} ms, EncodeIds {fullMs:F2} ms");
        rows.Add(new { length, batch, forwardMs, hostToDeviceMs, fullMs });
    }
    return rows;
}

static IEnumerable<int> BatchSizes(int length, int budget)
{
    var largest = budget / length;
    ReadOnlySpan<int> candidates = [32, 128, 512]; // constants in the assembly's data: no array per call
    var sizes = new List<int>();
    foreach (var size in candidates)
    {
        if (size < largest)
        {
            sizes.Add(size);
        }
    }
    sizes.Add(largest);
    return sizes.Distinct();
}

static double Measure(Action run, int batch, double seconds)
{
    for (var i = 0; i < 3; i++) run();
    var clock = Stopwatch.StartNew();
    var iterations = 0;
    while (clock.Elapsed.TotalSeconds < seconds || iterations < 3)
    {
        run(); // copies the vectors back to the host, so each call ends synchronised
        iterations++;
    }
    return batch * iterations / clock.Elapsed.TotalSeconds;
}

static int[] RandomIds(Random rng, int length, int vocab)
{
    var ids = new int[length];
    ids[0] = 2; // [CLS] in the generated vocab
    for (var i = 1; i < length - 1; i++) ids[i] = rng.Next(5, vocab);
    ids[^1] = 3; // [SEP]
    return ids;
}

static double MinCosine(float[][] a, float[][] b) =>
    a.Zip(b, (x, y) =>
    {
        double dot = 0, nx = 0, ny = 0;
        for (var i = 0; i < x.Length; i++) { dot += x[i] * y[i]; nx += x[i] * x[i]; ny += y[i] * y[i]; }
        return dot / Math.Sqrt(nx * ny);
    }).Min();

static BertConfig WriteRandomModel(string folder, string configJson)
{
    Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
    File.WriteAllText(Path.Combine(folder, "config.json"), configJson);
    var config = BertConfig.Parse(configJson);
    var specials = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
    File.WriteAllLines(Path.Combine(folder, "vocab.txt"), specials.Concat(Enumerable.Range(specials.Length, config.VocabSize - specials.Length).Select(i => $"tok{i}")));
    File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case":true,"model_max_length":512}""");
    File.WriteAllText(Path.Combine(folder, "modules.json"), """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]""");
    File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), $$"""{"word_embedding_dimension":{{config.HiddenSize}},"pooling_mode_mean_tokens":true}""");
    manual_seed(7);
    using var model = new BertModel(config);
    SafeTensors.Save(Path.Combine(folder, CheckpointLoader.SafeTensorsFile), model.state_dict());
    return config;
}

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
