using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.Embedding.Stages;
using BlogSemanticIndex.ModelHub;
using BlogSemanticIndex.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding;

/// <summary>
/// Text → sentence vectors: tokenizer → BERT → pooling → (normalise), the sentence-transformers pipeline on TorchSharp.
/// </summary>
/// <remarks>
/// <see cref="Encode"/> sorts texts by token count, cuts them into micro-batches under a token budget, pads each batch
/// only to its own longest text, and returns vectors in input order. Concurrent calls are serialised: libtorch already
/// spreads one batch over all cores, and interleaving two callers' batches would only add memory.
/// </remarks>
public sealed class SentenceEncoder : IDisposable
{
    private readonly BertModel model;
    private readonly Pooling pooling;
    private readonly bool normalize;
    private readonly Device device;
    private readonly ScalarType dtype;
    private readonly int maxTokensPerBatch;
    private readonly string queryPrefix;
    private readonly int threads;
    private readonly Lock gate = new();

    /// <summary>libtorch's own intra-op thread count (one per core), read before any encoder changed it.</summary>
    private static readonly Lazy<int> LibTorchDefaultThreads = new(get_num_threads);

    private SentenceEncoder(BertModel model, WordPieceTokenizer tokenizer, Pooling pooling, bool normalize, Device device,
        EncoderPrecision precision, EncoderOptions options, string queryPrefix, ModelInfo info)
    {
        this.model = model;
        Tokenizer = tokenizer;
        this.pooling = pooling;
        this.normalize = normalize;
        this.device = device;
        Precision = precision;
        dtype = precision.ToScalarType();
        maxTokensPerBatch = options.MaxTokensPerBatch;
        this.queryPrefix = queryPrefix;
        threads = info.Threads;
        Info = info;
    }

    public ModelInfo Info { get; }
    public WordPieceTokenizer Tokenizer { get; }
    public EncoderPrecision Precision { get; }
    public int Dimensions => Info.Dimensions;
    public int MaxTokens => Info.MaxTokens;
    public string QueryPrefix => queryPrefix;

    /// <summary>What each precision cost when this query encoder's <c>auto</c> precision was measured; null when it was not.</summary>
    public PrecisionProbe? PrecisionProbe { get; internal set; }

    /// <summary>How the model's dense layers run (see <see cref="Modeling.DenseKernel"/>).</summary>
    internal DenseKernel DenseKernel
    {
        get => model.DenseKernel;
        set => model.UseDenseKernel(value);
    }

    /// <summary>Loads the model named by <paramref name="options"/> (builtin, folder or cached hub id).</summary>
    public static SentenceEncoder Create(EncoderOptions options)
    {
        options.EnsureValid();
        var resolved = Resolve(options);
        return FromFolder(resolved.Folder, options, resolved.Name, resolved.Revision);
    }

    /// <summary>
    /// The folder, name and revision of the model <paramref name="options"/> names, without loading its weights (a
    /// builtin is imported first if needed). The pair (name, revision) is what stored vectors are recorded with.
    /// </summary>
    public static ResolvedModel Resolve(EncoderOptions options)
    {
        var model = options.Model.Trim();
        if (BuiltinModel.Find(model) is { } builtin)
        {
            var imported = builtin.EnsureImported();
            return new ResolvedModel(imported.Folder, builtin.ModelId, imported.Revision);
        }
        if (Directory.Exists(model))
        {
            // A folder's weights can change under the same path (a fine-tune written over it): its revision is
            // their hash, so the indexer sees a new model and never mixes vectors of the old weights with the new.
            return new ResolvedModel(model, Path.GetFullPath(model), WeightsRevision(model));
        }
        if (LooksLikeRepoId(model))
        {
            var revision = string.IsNullOrWhiteSpace(options.Revision) ? "main" : options.Revision.Trim();
            var folder = ModelCache.FromEnvironment().ResolveLocal(model, revision);
            // The snapshot folder is named by its commit: the revision recorded with every vector.
            return new ResolvedModel(folder, model, Path.GetFileName(folder));
        }
        throw new DirectoryNotFoundException(
            $"{EncoderOptions.SectionName}:Model '{model}' is neither a builtin ({string.Join(", ", BuiltinModel.All.Select(m => m.ModelId))}), an existing model folder, nor a hub id (org/name).");
    }

    /// <summary>
    /// "sha256:" and the first 16 hex digits of the SHA-256 of a model folder's weight files (the transformer's
    /// checkpoint, and each shard of a sharded one).
    /// </summary>
    public static string WeightsRevision(string folder)
    {
        var manifest = ModulesManifest.Load(folder);
        var checkpoint = CheckpointLoader.FindCheckpoint(manifest.TransformerPath);
        var files = new List<string> { checkpoint };
        if (Path.GetFileName(checkpoint) == CheckpointLoader.SafeTensorsIndexFile)
        {
            files.AddRange(CheckpointLoader.ShardFiles(checkpoint));
        }
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>An <c>org/name</c> hub id rather than a path (which <see cref="Directory.Exists"/> already tried).</summary>
    internal static bool LooksLikeRepoId(string model) =>
        model.Count(c => c == '/') == 1 && !model.StartsWith('/') && !model.StartsWith('.') && !model.EndsWith('/')
        && !Path.IsPathRooted(model) && !model.Contains('\\');

    /// <summary>Loads a Hugging Face / sentence-transformers model folder.</summary>
    public static SentenceEncoder FromFolder(string folder, EncoderOptions options, string? name = null, string? revision = null)
    {
        options.EnsureValid();
        if (!string.IsNullOrWhiteSpace(options.LibTorchPath))
        {
            LibTorchLoader.Load(options.LibTorchPath);
        }
        var threads = options.Threads > 0 ? options.Threads : LibTorchDefaultThreads.Value;
        var device = DeviceSelection.ResolveDevice(options.Device);
        if (options.IsQueryEncoder && options.Precision.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)
            && device.type == DeviceType.CPU && DeviceSelection.CpuSupportsBf16)
        {
            return QueryPrecisionProbe.LoadFaster(precision => FromFolder(folder, options.WithPrecision(precision.ToSettingName()), name, revision));
        }
        var precision = DeviceSelection.ResolvePrecision(options.Precision, device);
        if (device.type == DeviceType.CPU)
        {
            NativeMemoryTuning.Apply();
            NnpackSwitch.DisableOnce();
        }

        var manifest = ModulesManifest.Load(folder);
        var config = BertConfig.Load(Path.Combine(manifest.TransformerPath, "config.json"));
        var tokenizer = WordPieceTokenizer.FromModelFolder(manifest.TransformerPath);
        if (tokenizer.VocabularySize > config.VocabSize)
        {
            throw new InvalidDataException(
                $"{folder}: the tokenizer has {tokenizer.VocabularySize} tokens but the model's vocab_size is {config.VocabSize}.");
        }
        var pooling = manifest.PoolingPath is null ? new Pooling(PoolingMode.Mean) : Pooling.Load(manifest.PoolingPath);

        var model = LoadModel(manifest.TransformerPath, config, device, precision.ToScalarType());
        var maxTokens = Math.Min(tokenizer.MaxLength, config.MaxPositionEmbeddings);
        var info = new ModelInfo(
            Name: name ?? folder,
            Revision: revision ?? WeightsRevision(folder),
            Folder: Path.GetFullPath(folder),
            Architecture: $"BertModel ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, {config.HiddenAct})",
            Dimensions: config.HiddenSize,
            MaxTokens: maxTokens,
            Layers: config.NumHiddenLayers,
            Heads: config.NumAttentionHeads,
            Pooling: pooling.Mode.ToString().ToLowerInvariant(),
            Normalized: manifest.Normalize,
            Device: device.ToString(),
            Precision: precision.ToSettingName(),
            Threads: threads);
        // A configured prefix wins; otherwise the model's own query prompt (arctic-embed's instruction, bge's, ...).
        var queryPrefix = string.IsNullOrEmpty(options.QueryPrefix) ? SentenceTransformersConfig.ReadQueryPrompt(folder) : options.QueryPrefix;
        return new SentenceEncoder(model, tokenizer, pooling, manifest.Normalize, device, precision, options, queryPrefix, info);
    }

    /// <summary>Reads the weights on the CPU with strict key checks, then moves them to the device and dtype.</summary>
    internal static BertModel LoadModel(string folder, BertConfig config, Device device, ScalarType dtype)
    {
        var checkpoint = CheckpointLoader.FindCheckpoint(folder);
        var model = new BertModel(config);
        try
        {
            var tensors = CheckpointLoader.ReadTensors(checkpoint);
            try
            {
                CheckpointLoader.Apply(model, tensors, checkpoint);
            }
            finally
            {
                foreach (var tensor in tensors.Values)
                {
                    tensor.Dispose();
                }
            }
            model.to(device, dtype);
            model.PrepareForInference();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Vectors for <paramref name="texts"/>, in input order, each of <see cref="Dimensions"/> floats.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var ids = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            ids[i] = Tokenize(texts[i]);
        }
        return EncodeIds(ids, cancellationToken);
    }

    /// <summary>
    /// The vector of a search query: <see cref="QueryPrefix"/> (<see cref="EncoderOptions.QueryPrefix"/>, else the
    /// model folder's query prompt) + <paramref name="query"/>. Documents go through <see cref="Encode"/>, never prefixed.
    /// </summary>
    public float[] EncodeQuery(string query) => Encode([queryPrefix + query])[0];

    /// <summary>The ids the model sees for <paramref name="text"/>: [CLS] … [SEP], truncated to <see cref="MaxTokens"/>.</summary>
    public int[] Tokenize(string text) => Tokenizer.Encode(text, MaxTokens).Ids;

    /// <summary>
    /// Vectors for pre-tokenised texts (each [CLS] … [SEP], at most <see cref="MaxTokens"/> ids), in input order.
    /// </summary>
    public float[][] EncodeIds(IReadOnlyList<int[]> ids, CancellationToken cancellationToken = default)
    {
        var results = new float[ids.Count][];
        lock (gate)
        {
            // Each encoder its own intra-op thread count, set on the thread that runs the forward pass (libtorch's
            // OpenMP keeps it per calling thread): the indexer's instance splits a batch over every core while the
            // searches' instance keeps a query on one (EncoderOptions.QueryThreads).
            set_num_threads(threads);
            foreach (var batch in PlanBatches(ids, maxTokensPerBatch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                RunWithOomRetry(ids, batch, results);
            }
        }
        return results;
    }

    /// <summary>
    /// What one forward pass costs beyond its tokens, in padded token rows. With the builtin MiniLM in bf16 on one thread
    /// (Intel Xeon with AMX, 2 cores) a batch of 8 to 64 tokens a text cost about 8 ms + 0.1–0.15 ms per padded row,
    /// a fixed part worth 55–85 rows, and few rows cost like more (one text of 8 tokens 9.4 ms, of 16 tokens 9.7 ms);
    /// at 64 rows, batches of 8 short claims split more often and ran 1.11× the CPU of one batch each (median of 5),
    /// at 128 1.03×.
    /// </summary>
    internal const int ForwardPassCostInTokenRows = 128;

    /// <summary>The most texts one pass takes, which bounds planning at this many steps a text (the indexer's largest slice).</summary>
    private const int MostTextsPerPass = 4096;

    /// <summary>
    /// Groups text indices into batches, longest first, each batch's padded size (count × its longest) within
    /// <paramref name="tokenBudget"/>: of all such groupings of the texts in length order, the one with the fewest padded
    /// token rows plus <see cref="ForwardPassCostInTokenRows"/> per batch. So texts of similar length share a batch, and
    /// one long text (a query pasted from an article) is not padded onto seven short ones it would make five times dearer.
    /// </summary>
    public static List<int[]> PlanBatches(IReadOnlyList<int[]> ids, int tokenBudget)
    {
        var order = Enumerable.Range(0, ids.Count).OrderByDescending(i => ids[i].Length).ThenBy(i => i).ToArray();
        // cost[i]: the cheapest grouping of order[i..]; end[i]: where its first batch ends. A batch starting at i is
        // padded to order[i]'s length, the longest in it.
        var cost = new long[order.Length + 1];
        var end = new int[order.Length];
        for (var i = order.Length - 1; i >= 0; i--)
        {
            var longest = Math.Max(1, ids[order[i]].Length);
            var most = Math.Max(1, Math.Min(Math.Min(order.Length - i, MostTextsPerPass), tokenBudget / longest));
            cost[i] = long.MaxValue;
            // Largest batch first, so that among equal costs the fewer batches win.
            for (var count = most; count >= 1; count--)
            {
                var total = ForwardPassCostInTokenRows + (long)count * longest + cost[i + count];
                if (total < cost[i])
                {
                    cost[i] = total;
                    end[i] = i + count;
                }
            }
        }
        var batches = new List<int[]>();
        for (var start = 0; start < order.Length; start = end[start])
        {
            batches.Add(order[start..end[start]]);
        }
        return batches;
    }

    private void RunWithOomRetry(IReadOnlyList<int[]> ids, int[] batch, float[][] results)
    {
        try
        {
            RunBatch(ids, batch, results);
        }
        catch (Exception e) when (device.type == DeviceType.CUDA && batch.Length > 1 && IsOutOfMemory(e))
        {
            // Halve and retry: the budget was too generous for this GPU's free memory.
            var half = batch.Length / 2;
            RunWithOomRetry(ids, batch[..half], results);
            RunWithOomRetry(ids, batch[half..], results);
        }
    }

    private static bool IsOutOfMemory(Exception e) =>
        e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("CUDA_ERROR_OUT_OF_MEMORY", StringComparison.Ordinal);

    private void RunBatch(IReadOnlyList<int[]> ids, int[] batch, float[][] results)
    {
        var length = batch.Max(i => ids[i].Length);
        var padded = new long[batch.Length * length];
        var maskValues = new bool[batch.Length * length];
        var needsMask = false;
        var padId = Tokenizer.PadId;
        for (var row = 0; row < batch.Length; row++)
        {
            var source = ids[batch[row]];
            if (source.Length > MaxTokens)
            {
                throw new ArgumentException($"Text {batch[row]} has {source.Length} ids; the model takes at most {MaxTokens}.");
            }
            var offset = row * length;
            for (var j = 0; j < length; j++)
            {
                var real = j < source.Length;
                padded[offset + j] = real ? source[j] : padId;
                maskValues[offset + j] = real;
                needsMask |= !real;
            }
        }

        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var inputIds = tensor(padded, [batch.Length, length], ScalarType.Int64).to(device);
        var mask = tensor(maskValues, [batch.Length, length]).to(device);
        var tokens = model.forward(inputIds, needsMask ? mask : null);
        var vectors = pooling.Forward(tokens, mask);
        if (normalize)
        {
            vectors = Normalize.Forward(vectors);
        }
        // One copy per text straight out of the host tensor's memory (bytes is a view, not a copy): a batch of
        // thousands of vectors through data<float>().ToArray() and then per row cost more than the GPU's forward pass.
        using var host = vectors.to(ScalarType.Float32).cpu().contiguous();
        var flat = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(host.bytes);
        var width = (int)vectors.shape[1];
        for (var row = 0; row < batch.Length; row++)
        {
            results[batch[row]] = flat.Slice(row * width, width).ToArray();
        }
    }

    public void Dispose() => model.Dispose();
}

/// <summary>A model named in <c>Encoder:Model</c>, located: its folder, and the name and revision vectors are recorded with.</summary>
public sealed record ResolvedModel(string Folder, string Name, string Revision);
