using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Embedding;

/// <summary>Which model encodes text, where and how (configuration section <c>Encoder</c>).</summary>
public sealed class EncoderOptions : IValidatedSection<EncoderOptions>
{
    public const string SectionName = "Encoder";

    static string IValidatedSection<EncoderOptions>.SectionName => SectionName;
    public static readonly string DefaultModel = Builtin.BuiltinModel.MiniLm.ModelId;

    public static readonly IReadOnlyList<string> AllowedDevices = ["auto", "cpu", "cuda", "cuda:N"];
    public static readonly IReadOnlyList<string> AllowedPrecisions = ["auto", "fp32", "fp16", "bf16"];

    /// <summary>
    /// <c>builtin:minilm</c> (offline default) or <c>builtin:arctic-xs</c>, both shipped inside the binary, a local model folder (Hugging Face /
    /// sentence-transformers layout), or a hub repository id <c>org/name</c> already pulled into the Hugging Face cache.
    /// </summary>
    public string Model { get; set; } = DefaultModel;

    /// <summary>For a hub id: a branch, tag or commit in the local cache; empty means <c>main</c>.</summary>
    public string Revision { get; set; } = "main";

    /// <summary><c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>
    /// <c>auto</c> (fp32 on CPU; bf16 on a CUDA GPU that supports it, else fp16), <c>fp32</c>, <c>fp16</c> (CUDA only) or
    /// <c>bf16</c> (CUDA, or a CPU with AVX512-BF16 or AMX).
    /// </summary>
    public string Precision { get; set; } = "auto";

    /// <summary>
    /// Precision of the encoder that embeds search queries: <c>auto</c> (as <see cref="Precision"/>, except that when both
    /// are <c>auto</c> on a CPU with AVX512-BF16 or AMX, the query encoder is loaded in fp32 and in bf16 and keeps whichever
    /// embedded probe queries faster: <see cref="QueryPrecisionProbe"/>) or one of <see cref="AllowedPrecisions"/>.
    /// <c>bf16</c> keeps a query's vector within cosine 0.9998 of its fp32 one (the demo's and 100 SciFact queries)
    /// against fp32 chunk vectors.
    /// </summary>
    public string QueryPrecision { get; set; } = "auto";

    /// <summary>Set by <see cref="ForQueries"/>: this encoder embeds search queries (see <see cref="QueryPrecision"/>).</summary>
    public bool IsQueryEncoder { get; private set; }

    /// <summary>These settings with <see cref="Precision"/> set to what <see cref="QueryPrecision"/> means on this machine.</summary>
    public EncoderOptions ForQueries()
    {
        var precision = QueryPrecision.Trim().ToLowerInvariant() switch
        {
            "auto" => Precision,
            var explicitPrecision => explicitPrecision,
        };
        var copy = WithPrecision(precision);
        copy.Threads = QueryThreads > 0 ? QueryThreads : Threads;
        copy.IsQueryEncoder = true;
        return copy;
    }

    /// <summary>These settings with <see cref="Precision"/> set to <paramref name="precision"/>.</summary>
    internal EncoderOptions WithPrecision(string precision)
    {
        var copy = (EncoderOptions)MemberwiseClone();
        copy.Precision = precision;
        return copy;
    }

    /// <summary>Intra-op CPU threads of a forward pass; 0 keeps libtorch's default (one per core).</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Intra-op CPU threads of a search query's forward pass; 0: as <see cref="Threads"/>. One by default: a query of a
    /// few dozen tokens is too small for libtorch to split usefully. On a 2-core Xeon with 8 searches at once, two
    /// threads took the same wall time per query as one (14.8 vs 14.1 ms) and 41% more CPU (17.6 vs 12.4 ms, micro-batched),
    /// CPU the other searches and PostgreSQL need (bench/LoadBench <c>--embedding-only</c>).
    /// </summary>
    public int QueryThreads { get; set; } = 1;

    /// <summary>
    /// The most tokens (padding included) in one forward pass; bounds memory per batch. The default keeps a base-size
    /// model's largest CPU activation ([tokens, 4 × hidden] floats) under glibc's 32 MiB mmap ceiling, so it is reused
    /// instead of page-faulted in afresh for every layer; larger budgets help only on a GPU.
    /// </summary>
    public int MaxTokensPerBatch { get; set; } = 4096;

    /// <summary>
    /// A folder holding another libtorch to use instead of the CPU one from NuGet, e.g. a PyTorch install's
    /// <c>torch/lib</c> for CUDA. Empty: the bundled CPU libtorch.
    /// </summary>
    public string LibTorchPath { get; set; } = "";

    /// <summary>
    /// Prepended to search queries (not to documents), for models trained with one, e.g. bge's instruction. Empty: the
    /// model folder's own query prompt (<c>config_sentence_transformers.json</c>), as builtin:arctic-xs ships.
    /// </summary>
    public string QueryPrefix { get; set; } = "";

    /// <summary>Every problem with these settings, each naming the setting and its allowed values; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add($"{SectionName}:Model is empty; use {DefaultModel}, a model folder path, or a hub id such as org/name.");
        }
        else if (Model.StartsWith("builtin:", StringComparison.Ordinal) && Builtin.BuiltinModel.Find(Model) is null)
        {
            errors.Add($"{SectionName}:Model '{Model}' is not a builtin model; allowed builtin values: {string.Join(", ", Builtin.BuiltinModel.All.Select(m => m.ModelId))}.");
        }
        if (!IsValidDevice(Device))
        {
            errors.Add($"{SectionName}:Device '{Device}' is not valid; allowed values: {string.Join(", ", AllowedDevices)}.");
        }
        if (!AllowedPrecisions.Contains(Precision?.Trim().ToLowerInvariant()))
        {
            errors.Add($"{SectionName}:Precision '{Precision}' is not valid; allowed values: {string.Join(", ", AllowedPrecisions)}.");
        }
        if (!AllowedPrecisions.Contains(QueryPrecision?.Trim().ToLowerInvariant()))
        {
            errors.Add($"{SectionName}:QueryPrecision '{QueryPrecision}' is not valid; allowed values: {string.Join(", ", AllowedPrecisions)}.");
        }
        if (Threads < 0 || Threads > 1024)
        {
            errors.Add($"{SectionName}:Threads {Threads} is not valid; use 0 (libtorch default) or a thread count from 1 to 1024.");
        }
        if (QueryThreads < 0 || QueryThreads > 1024)
        {
            errors.Add($"{SectionName}:QueryThreads {QueryThreads} is not valid; use 0 (as Threads) or a thread count from 1 to 1024.");
        }
        if (MaxTokensPerBatch < 512 || MaxTokensPerBatch > 1_048_576)
        {
            errors.Add($"{SectionName}:MaxTokensPerBatch {MaxTokensPerBatch} is not valid; use 512 to 1048576 (one full-length text must fit).");
        }
        return errors;
    }

    /// <summary>Throws with every problem listed, or returns this.</summary>
    public EncoderOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException(string.Join(" ", errors));
    }

    internal static bool IsValidDevice(string? device)
    {
        var value = device?.Trim().ToLowerInvariant();
        return value is "auto" or "cpu" or "cuda"
               || (value is not null && value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value[5..], out var index) && index >= 0);
    }
}
