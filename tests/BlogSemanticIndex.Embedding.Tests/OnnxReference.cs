using BlogSemanticIndex.Embedding.Stages;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>
/// A builtin package's own model.onnx in ONNX Runtime, pooled (mean over the real tokens, or the [CLS] state) and
/// L2-normalised in float64: the independent reference our TorchSharp encoder is held to.
/// </summary>
public sealed class OnnxReference : IDisposable
{
    private readonly InferenceSession session;
    private readonly PoolingMode pooling;

    public OnnxReference(byte[] onnx, PoolingMode pooling)
    {
        if (pooling is not (PoolingMode.Mean or PoolingMode.Cls))
        {
            throw new ArgumentOutOfRangeException(nameof(pooling), pooling, "the builtins pool by mean or [CLS]");
        }
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, InterOpNumThreads = 1 };
        session = new InferenceSession(onnx, sessionOptions);
        this.pooling = pooling;
    }

    /// <summary>The sentence vector of one unpadded text.</summary>
    public float[] Embedding(int[] ids) => Embeddings([ids])[0];

    /// <summary>Sentence vectors of texts run together in one padded batch (attention mask set).</summary>
    public float[][] Embeddings(IReadOnlyList<int[]> batch)
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
        using var results = session.Run(
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
            var pooled = new double[hidden];
            var tokens = pooling == PoolingMode.Cls ? 1 : batch[row].Length;
            for (var t = 0; t < tokens; t++)
            {
                for (var h = 0; h < hidden; h++)
                {
                    pooled[h] += states[row, t, h];
                }
            }
            var norm = Math.Sqrt(pooled.Sum(v => v * v));
            vectors[row] = pooled.Select(v => (float)(v / norm)).ToArray();
        }
        return vectors;
    }

    public void Dispose() => session.Dispose();
}
