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
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
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

    /// <summary>Spearman's rho: Pearson correlation of the ranks, ties given their average rank.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var rx = Ranks(x);
        var ry = Ranks(y);
        var mx = rx.Average();
        var my = ry.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = (start + end) / 2.0 + 1;
            }
            start = end + 1;
        }
        return ranks;
    }
}
