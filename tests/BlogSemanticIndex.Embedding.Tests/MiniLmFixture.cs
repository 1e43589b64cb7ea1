using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.TestSupport.Encoding;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

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
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, InterOpNumThreads = 1 };
        Reference = new InferenceSession(BuiltinMiniLm.ReadOnnxBytes(), sessionOptions);
    }

    public BuiltinModelFolder Folder { get; }
    public EncoderOptions Options { get; }
    public SentenceEncoder Encoder { get; }
    public InferenceSession Reference { get; }

    /// <summary>ONNX Runtime's token states for one unpadded text, mean-pooled and L2-normalised in float64.</summary>
    public float[] ReferenceEmbedding(int[] ids) => ReferenceEmbeddings([ids])[0];

    /// <summary>
    /// ONNX Runtime's sentence vectors for texts run together in one padded batch (attention mask set), mean-pooled over
    /// the real tokens and L2-normalised in float64.
    /// </summary>
    public float[][] ReferenceEmbeddings(IReadOnlyList<int[]> batch)
    {
        var length = batch.Max(i => i.Length);
        var count = batch.Count;
        var inputIds = new DenseTensor<long>([count, length]);
        var mask = new DenseTensor<long>([count, length]);
        for (var row = 0; row < count; row++)
        {
            for (var t = 0; t < batch[row].Length; t++)
            {
                inputIds[row, t] = batch[row][t];
                mask[row, t] = 1;
            }
        }
        using var results = Reference.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>([count, length])),
        ]);
        var states = results.First(r => r.Name == "last_hidden_state").AsTensor<float>();
        var hidden = (int)states.Dimensions[2];
        var vectors = new float[count][];
        for (var row = 0; row < count; row++)
        {
            var real = batch[row].Length;
            var mean = new double[hidden];
            for (var t = 0; t < real; t++)
            {
                for (var h = 0; h < hidden; h++)
                {
                    mean[h] += states[row, t, h];
                }
            }
            var norm = Math.Sqrt(mean.Sum(v => v * v));
            vectors[row] = mean.Select(v => (float)(v / norm)).ToArray();
        }
        return vectors;
    }

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
