using BlogSemanticIndex.Embedding.Modeling;
using Onnx;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Builtin;

/// <summary>
/// Recovers a Hugging Face BERT state dict and config from a PyTorch-exported ONNX graph of <c>BertModel</c>.
/// </summary>
/// <remarks>
/// The exporter keeps the Hugging Face names of embeddings, biases and LayerNorm parameters, but stores each dense
/// weight as an anonymous initializer (a number, or <c>onnx::MatMul_N</c>) transposed to [in, out] for a MatMul. The
/// graph names it for us: the MatMul's output feeds an Add whose other input is the named bias
/// (<c>encoder.layer.0.attention.self.query.bias</c>), so the weight is that layer's <c>.weight</c>, transposed back.
/// </remarks>
public static class OnnxBertImporter
{
    public sealed record Result(BertConfig Config, Dictionary<string, Tensor> Tensors);

    /// <summary>Parses the graph and returns the config and CPU fp32 tensors; the caller owns the tensors.</summary>
    public static Result Import(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }
                list.Add(node);
            }
            foreach (var output in node.Output)
            {
                producers[output] = node;
            }
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, initializer) in initializers)
            {
                if (IsModelTensorName(name) && initializer.DataType == (int)TensorProto.Types.DataType.Float)
                {
                    tensors[name] = ToTensor(initializer);
                }
            }

            var unnamed = new List<string>();
            foreach (var matMul in graph.Node.Where(n => n.OpType == "MatMul"))
            {
                if (matMul.Input.Count != 2 || !initializers.TryGetValue(matMul.Input[1], out var weight) || weight.Dims.Count != 2)
                {
                    continue; // activation × activation (attention scores), not a dense layer
                }
                var add = consumers.GetValueOrDefault(matMul.Output[0])?.SingleOrDefault(n => n.OpType == "Add");
                var bias = add?.Input.FirstOrDefault(i => i != matMul.Output[0]);
                if (bias is null || !bias.EndsWith(".bias", StringComparison.Ordinal) || !IsModelTensorName(bias))
                {
                    unnamed.Add(matMul.Input[1]);
                    continue;
                }
                var weightName = bias[..^".bias".Length] + ".weight";
                using var transposed = ToTensor(weight);
                tensors[weightName] = transposed.t().contiguous().DetachFromDisposeScope();
            }
            if (unnamed.Count > 0)
            {
                throw new InvalidDataException(
                    $"The ONNX graph has dense weights whose bias could not be found, so their names are unknown: {string.Join(", ", unnamed)}.");
            }

            var config = InferConfig(graph, tensors, initializers, producers, consumers);
            return new Result(config, tensors);
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
    }

    private static bool IsModelTensorName(string name) =>
        (name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.", StringComparison.Ordinal))
        && name != "embeddings.position_ids";

    private static BertConfig InferConfig(
        GraphProto graph,
        Dictionary<string, Tensor> tensors,
        Dictionary<string, TensorProto> initializers,
        Dictionary<string, NodeProto> producers,
        Dictionary<string, List<NodeProto>> consumers)
    {
        Tensor Require(string name) => tensors.TryGetValue(name, out var t)
            ? t
            : throw new InvalidDataException($"The ONNX graph has no initializer '{name}'; is it a BERT export?");

        var words = Require("embeddings.word_embeddings.weight");
        var layers = tensors.Keys
            .Where(k => k.StartsWith("encoder.layer.", StringComparison.Ordinal))
            .Select(k => int.Parse(k.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture))
            .Distinct()
            .Count();
        var hidden = (int)words.shape[1];

        // Heads: the key projection is reshaped to [batch, length, heads, headDim]; the last two are constants, stored
        // as initializers (MiniLM's export) or as Constant nodes (arctic-embed-xs's, PyTorch 2.2).
        var heads = 0;
        var keyAdd = graph.Node.FirstOrDefault(n => n.OpType == "Add" && n.Input.Contains("encoder.layer.0.attention.self.key.bias"));
        var reshape = keyAdd is null ? null : consumers.GetValueOrDefault(keyAdd.Output[0])?.FirstOrDefault(n => n.OpType == "Reshape");
        if (reshape is not null && producers.TryGetValue(reshape.Input[1], out var concat) && concat.OpType == "Concat")
        {
            TensorProto? Constant(string name) =>
                initializers.TryGetValue(name, out var initializer) ? initializer
                : producers.TryGetValue(name, out var node) && node.OpType == "Constant" ? node.Attribute.FirstOrDefault(a => a.Name == "value")?.T
                : null;
            var constants = concat.Input.Select(Constant).OfType<TensorProto>().Select(ReadInt64).ToList();
            if (constants.Count == 2 && constants[0] * constants[1] == hidden)
            {
                heads = (int)constants[0];
            }
        }
        if (heads == 0)
        {
            throw new InvalidDataException("Could not find the attention head count in the ONNX graph (the Reshape of the layer-0 key projection).");
        }

        // LayerNorm epsilon: the exporter spells LayerNorm out as ... Add(variance, eps) -> Sqrt.
        var eps = 1e-12;
        var sqrt = graph.Node.FirstOrDefault(n => n.OpType == "Sqrt");
        if (sqrt is not null && producers.TryGetValue(sqrt.Input[0], out var epsAdd) && epsAdd.OpType == "Add")
        {
            foreach (var input in epsAdd.Input)
            {
                if (producers.TryGetValue(input, out var constant) && constant.OpType == "Constant"
                    && constant.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } value
                    && value.DataType == (int)TensorProto.Types.DataType.Float)
                {
                    eps = value.FloatData.Count > 0 ? value.FloatData[0] : BitConverter.ToSingle(value.RawData.Span);
                }
            }
        }

        var activation = graph.Node.Any(n => n.OpType == "Erf") ? "gelu"
            : graph.Node.Any(n => n.OpType == "Relu") ? "relu"
            : throw new InvalidDataException("Could not tell the activation of the ONNX graph (no Erf or Relu nodes).");

        return new BertConfig
        {
            VocabSize = (int)words.shape[0],
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            IntermediateSize = (int)Require("encoder.layer.0.intermediate.dense.bias").shape[0],
            MaxPositionEmbeddings = (int)Require("embeddings.position_embeddings.weight").shape[0],
            TypeVocabSize = (int)Require("embeddings.token_type_embeddings.weight").shape[0],
            LayerNormEps = eps,
            HiddenAct = activation,
        };
    }

    private static long ReadInt64(TensorProto tensor) =>
        tensor.Int64Data.Count > 0 ? tensor.Int64Data[0] : BitConverter.ToInt64(tensor.RawData.Span);

    private static Tensor ToTensor(TensorProto proto)
    {
        var shape = proto.Dims.ToArray();
        var tensor = empty(shape, ScalarType.Float32).DetachFromDisposeScope();
        if (proto.RawData.Length > 0)
        {
            if (proto.RawData.Length != tensor.NumberOfElements * 4)
            {
                tensor.Dispose();
                throw new InvalidDataException($"ONNX initializer '{proto.Name}' has {proto.RawData.Length} bytes for shape [{string.Join(", ", shape)}].");
            }
            proto.RawData.Span.CopyTo(tensor.bytes);
        }
        else
        {
            var values = proto.FloatData.ToArray();
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(tensor.bytes);
        }
        return tensor;
    }
}
