using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.Embedding.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Training;

/// <summary>
/// A BERT encoder with its pooling, unfused so gradients flow (see <see cref="BertModel"/>): token ids in, pooled float32
/// sentence vectors out.
/// </summary>
internal sealed class TrainableEncoder(BertModel model, Pooling pooling, long padId) : IDisposable
{
    public BertModel Model { get; } = model;

    public Pooling Pooling { get; } = pooling;

    /// <summary>Reads a checkpoint (strict keys) into a new model on <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    public static TrainableEncoder Load(string transformerFolder, BertConfig config, Pooling pooling, long padId, Device device, ScalarType dtype)
    {
        var checkpoint = CheckpointLoader.FindCheckpoint(transformerFolder);
        var model = new BertModel(config);
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
        return new TrainableEncoder(model, pooling, padId);
    }

    /// <summary>A second model of the same shape holding this one's weights in <paramref name="dtype"/> (the low-precision working copy).</summary>
    public TrainableEncoder CopyAs(ScalarType dtype)
    {
        var copy = new BertModel(Model.Config);
        var device = Model.parameters().First().device;
        copy.to(device, dtype);
        var copyEncoder = new TrainableEncoder(copy, Pooling, padId);
        copyEncoder.CopyWeightsFrom(this);
        return copyEncoder;
    }

    /// <summary>Overwrites this model's weights with <paramref name="source"/>'s, converting the dtype.</summary>
    public void CopyWeightsFrom(TrainableEncoder source)
    {
        using var noGrad = no_grad();
        foreach (var ((_, target), (_, from)) in Model.named_parameters().Zip(source.Model.named_parameters()))
        {
            target.copy_(from);
        }
    }

    /// <summary>Pooled vectors [n, hidden] in float32 for the texts <paramref name="ids"/> (each [CLS] … [SEP]).</summary>
    public Tensor Embed(IReadOnlyList<int[]> ids)
    {
        using var scope = NewDisposeScope();
        var device = Model.parameters().First().device;
        var length = ids.Max(i => i.Length);
        var padded = new long[ids.Count * length];
        var real = new bool[ids.Count * length];
        var needsMask = false;
        for (var row = 0; row < ids.Count; row++)
        {
            for (var j = 0; j < length; j++)
            {
                var inside = j < ids[row].Length;
                padded[row * length + j] = inside ? ids[row][j] : padId;
                real[row * length + j] = inside;
                needsMask |= !inside;
            }
        }
        var input = tensor(padded, [ids.Count, length], ScalarType.Int64).to(device);
        var mask = tensor(real, [ids.Count, length]).to(device);
        var tokens = Model.forward(input, needsMask ? mask : null);
        return Pooling.Forward(tokens, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Cosine similarity of each pair, without gradients, in batches of similar length: the evaluation pass.</summary>
    public double[] Cosines(IReadOnlyList<int[]> first, IReadOnlyList<int[]> second, int batchSize = 64)
    {
        var wasTraining = Model.training;
        Model.eval();
        try
        {
            using var noGrad = no_grad();
            var cosines = new double[first.Count];
            var order = Enumerable.Range(0, first.Count).OrderBy(i => Math.Max(first[i].Length, second[i].Length)).ToArray();
            foreach (var chunk in order.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                var vectors = Embed([.. chunk.Select(i => first[i]), .. chunk.Select(i => second[i])]);
                var similarity = nn.functional.cosine_similarity(vectors[..chunk.Length], vectors[chunk.Length..], dim: 1)
                    .to(ScalarType.Float64).cpu().data<double>().ToArray();
                for (var k = 0; k < chunk.Length; k++)
                {
                    cosines[chunk[k]] = similarity[k];
                }
            }
            return cosines;
        }
        finally
        {
            Model.train(wasTraining);
        }
    }

    public void Dispose() => Model.Dispose();
}
