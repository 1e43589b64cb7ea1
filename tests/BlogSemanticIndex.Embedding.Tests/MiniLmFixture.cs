using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.TestSupport.Encoding;
using BlogSemanticIndex.Embedding.Stages;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>
/// The builtin MiniLM, imported once per machine into a folder under the temp directory, loaded in fp32 on the CPU,
/// and its source ONNX graph in ONNX Runtime as the independent reference.
/// </summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        (Encoder, Folder) = TestEncoders.LoadBuiltinMiniLm();
        Options = TestEncoders.CpuFp32;
        Reference = new OnnxReference(BuiltinModel.MiniLm.ReadOnnxBytes(), PoolingMode.Mean);
    }

    public BuiltinModelFolder Folder { get; }
    public EncoderOptions Options { get; }
    public SentenceEncoder Encoder { get; }
    public OnnxReference Reference { get; }

    /// <inheritdoc cref="OnnxReference.Embedding"/>
    public float[] ReferenceEmbedding(int[] ids) => Reference.Embedding(ids);

    /// <inheritdoc cref="OnnxReference.Embeddings"/>
    public float[][] ReferenceEmbeddings(IReadOnlyList<int[]> batch) => Reference.Embeddings(batch);

    public void Dispose()
    {
        Encoder.Dispose();
        Reference.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollectionDefinition : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}

internal static class VectorMath
{
    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Spearman's ρ (average ranks for ties, as scipy.stats.spearmanr).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => MathNet.Numerics.Statistics.Correlation.Spearman(x, y);
}
