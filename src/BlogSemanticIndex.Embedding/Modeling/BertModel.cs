using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace BlogSemanticIndex.Embedding.Modeling;

/// <summary>
/// A BERT encoder (Hugging Face <c>BertModel</c> without the pooler head). The submodule fields carry the Hugging Face
/// names, so <see cref="Module.state_dict"/> keys are exactly those of a checkpoint (<c>embeddings.word_embeddings.weight</c>,
/// <c>encoder.layer.0.attention.self.query.weight</c>, ...).
/// </summary>
/// <remarks>
/// For inference: after loading and moving to the target device and dtype, call <see cref="PrepareForInference"/>,
/// which fuses the query, key and value projections into one matrix (the separate parameters become views of it, so
/// the state dict still reads as before and no memory is duplicated). For training, leave it unprepared: the forward
/// pass then concatenates the three projections each call, so gradients reach each parameter, and avoids in-place
/// activations whose inputs autograd needs.
/// </remarks>
public sealed class BertModel : Module<Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;

    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        config.Validate();
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        RegisterComponents();
    }

    public BertConfig Config { get; }

    /// <summary>How dense layers run; chosen by <see cref="PrepareForInference"/> from the device and dtype.</summary>
    internal DenseKernel DenseKernel { get; private set; } = DenseKernel.Linear;

    /// <summary>Fuses projections and turns gradients off. Call once, after the last <c>to(device/dtype)</c>.</summary>
    public void PrepareForInference(DenseKernel? kernel = null)
    {
        using var noGrad = torch.no_grad();
        foreach (var parameter in parameters())
        {
            parameter.requires_grad = false;
        }
        var first = parameters().First();
        DenseKernel = kernel ?? (first.device_type == DeviceType.CPU && first.dtype == ScalarType.Float32 ? DenseKernel.Conv1x1 : DenseKernel.Linear);
        encoder.Fuse(DenseKernel);
        eval();
    }

    /// <summary>Switches how dense layers run (for benchmarks and tests; both kernels give the same numbers).</summary>
    internal void UseDenseKernel(DenseKernel kernel)
    {
        DenseKernel = kernel;
        encoder.Fuse(kernel);
    }

    /// <summary>
    /// Token states for a padded batch. <paramref name="inputIds"/>: int64 [batch, length];
    /// <paramref name="attentionMask"/>: bool [batch, length], true for real tokens, or null when the batch has no padding.
    /// Returns [batch, length, hidden] in the model's dtype.
    /// </summary>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask)
    {
        var hidden = embeddings.forward(inputIds);
        // SDPA takes a boolean mask where true means "may attend"; [batch, 1, 1, keys] broadcasts over heads and queries.
        using var keyMask = attentionMask?.unsqueeze(1).unsqueeze(1);
        return encoder.forward(hidden, keyMask);
    }
}

internal sealed class BertEmbeddings : Module<Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")] private readonly TorchSharp.Modules.Embedding wordEmbeddings;
    [ComponentName(Name = "position_embeddings")] private readonly TorchSharp.Modules.Embedding positionEmbeddings;
    [ComponentName(Name = "token_type_embeddings")] private readonly TorchSharp.Modules.Embedding tokenTypeEmbeddings;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm layerNorm;
    private readonly long hiddenSize;
    private readonly int maxPositions;
    private readonly double eps;

    public BertEmbeddings(BertConfig config) : base("embeddings")
    {
        wordEmbeddings = nn.Embedding(config.VocabSize, config.HiddenSize);
        positionEmbeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        tokenTypeEmbeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        layerNorm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        hiddenSize = config.HiddenSize;
        maxPositions = config.MaxPositionEmbeddings;
        eps = config.LayerNormEps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        var length = inputIds.shape[1];
        if (length > maxPositions)
        {
            throw new ArgumentException($"The batch has {length} tokens per text; this model takes at most {maxPositions}.");
        }
        using var scope = NewDisposeScope();
        // Single-segment input: every token type is 0, so its embedding is one vector added with the positions.
        var positionAndType = positionEmbeddings.weight!.narrow(0, 0, length) + tokenTypeEmbeddings.weight![0];
        var words = wordEmbeddings.forward(inputIds);
        words.add_(positionAndType);
        return F.layer_norm(words, [hiddenSize], layerNorm.weight, layerNorm.bias, eps).MoveToOuterDisposeScope();
    }
}

internal sealed class BertEncoder : Module<Tensor, Tensor?, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config) : base("encoder")
    {
        layer = new ModuleList<BertLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    public void Fuse(DenseKernel kernel)
    {
        foreach (var item in layer)
        {
            item.Fuse(kernel);
        }
    }

    public override Tensor forward(Tensor hidden, Tensor? keyMask)
    {
        var current = hidden;
        foreach (var item in layer)
        {
            var next = item.forward(current, keyMask);
            current.Dispose();
            current = next;
        }
        return current;
    }
}

internal sealed class BertLayer : Module<Tensor, Tensor?, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly DenseWithNorm output;
    private readonly long hiddenSize;
    private readonly long heads;
    private readonly long headDim;
    private readonly double eps;
    private readonly string activation;
    private DenseKernel kernel = DenseKernel.Linear;

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new DenseWithNorm("output", config.IntermediateSize, config.HiddenSize, config.LayerNormEps);
        hiddenSize = config.HiddenSize;
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        eps = config.LayerNormEps;
        activation = config.HiddenAct;
        RegisterComponents();
    }

    public void Fuse(DenseKernel denseKernel)
    {
        attention.Self.Fuse();
        kernel = denseKernel;
    }

    /// <summary><c>x·Wᵀ + b</c> over the last dimension of a contiguous [batch, length, in] tensor.</summary>
    private Tensor Dense(Tensor x, Tensor weight, Tensor? bias)
    {
        if (kernel == DenseKernel.Linear)
        {
            // On two dimensions libtorch's C++ linear is one addmm with the bias fused into the GEMM (cuBLASLt's bias
            // epilogue on CUDA); on three it is a matmul followed by a separate broadcast add, which on an H200 cost a
            // third of the layer's time (measured with ncu, bench/gpu-check.sh).
            var rows = x.shape[0] * x.shape[1];
            return F.linear(x.view(rows, x.shape[2]), weight, bias).view(x.shape[0], x.shape[1], weight.shape[0]);
        }
        // The same product as a 1×1 convolution over a channels-last view of x (no copy: [batch, length, in] is
        // exactly NHWC with H = 1). libtorch sends fp32 convolutions to oneDNN, whose AVX-512 kernels beat the MKL sgemm
        // behind F.linear (1.7× end to end on the AMD EPYC benchmark host); the output comes back channels-last, i.e.
        // [batch, length, out] in memory, so the reshape is a view.
        var batch = x.shape[0];
        var length = x.shape[1];
        var outFeatures = weight.shape[0];
        var nhwc = x.view(batch, 1, length, x.shape[2]).permute(0, 3, 1, 2);
        var y = F.conv2d(nhwc, weight.view(outFeatures, weight.shape[1], 1, 1), bias);
        return y.permute(0, 2, 3, 1).reshape(batch, length, outFeatures);
    }

    public override Tensor forward(Tensor hidden, Tensor? keyMask)
    {
        // Every intermediate of the layer dies here; only the layer output leaves the scope.
        using var scope = NewDisposeScope();
        var batch = hidden.shape[0];
        var length = hidden.shape[1];

        var (qkvWeight, qkvBias) = attention.Self.Projection();
        var qkv = Dense(hidden, qkvWeight, qkvBias);
        // [batch, length, 3, heads, headDim] -> [3, batch, heads, length, headDim]. On the CPU one copy, after which the
        // attention kernel reads each head contiguously (faster than the strided views, copy included); CUDA's flash
        // attention reads the strided views as they are.
        var parts = qkv.view(batch, length, 3, heads, headDim).permute(2, 0, 3, 1, 4);
        if (parts.device_type == DeviceType.CPU)
        {
            parts = parts.contiguous();
        }
        var context = F.scaled_dot_product_attention(parts[0], parts[1], parts[2], keyMask);
        var merged = context.transpose(1, 2).reshape(batch, length, hiddenSize);

        var attended = Dense(merged, attention.Output.Dense.weight!, attention.Output.Dense.bias).add_(hidden);
        attended = F.layer_norm(attended, [hiddenSize], attention.Output.Norm.weight, attention.Output.Norm.bias, eps);

        var inner = Dense(attended, intermediate.Dense.weight!, intermediate.Dense.bias);
        // In place saves a copy of the largest activation at inference; under autograd GELU's backward needs its input.
        var inPlace = !inner.requires_grad;
        inner = activation switch
        {
            "gelu" => inPlace ? inner.gelu_() : inner.gelu(),
            "gelu_new" or "gelu_pytorch_tanh" => inPlace
                ? inner.gelu_(TorchSharp.Modules.GELU.Approximate.tanh)
                : inner.gelu(TorchSharp.Modules.GELU.Approximate.tanh),
            _ => inPlace ? inner.relu_() : inner.relu(),
        };
        var outer = Dense(inner, output.Dense.weight!, output.Dense.bias).add_(attended);
        return F.layer_norm(outer, [hiddenSize], output.Norm.weight, output.Norm.bias, eps).MoveToOuterDisposeScope();
    }
}

internal sealed class BertAttention : Module
{
    [ComponentName(Name = "self")] private readonly BertSelfAttention self;
    [ComponentName(Name = "output")] private readonly DenseWithNorm output;

    public BertAttention(BertConfig config) : base("attention")
    {
        self = new BertSelfAttention(config);
        output = new DenseWithNorm("output", config.HiddenSize, config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public BertSelfAttention Self => self;
    public DenseWithNorm Output => output;
}

internal sealed class BertSelfAttention : Module
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private Tensor? fusedWeight;
    private Tensor? fusedBias;

    public BertSelfAttention(BertConfig config) : base("self")
    {
        query = Linear(config.HiddenSize, config.HiddenSize);
        key = Linear(config.HiddenSize, config.HiddenSize);
        value = Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>
    /// The [3·hidden, hidden] query-key-value projection: the fused matrix once <see cref="Fuse"/> ran, otherwise a fresh
    /// concatenation of the three parameters (differentiable, for training).
    /// </summary>
    public (Tensor Weight, Tensor Bias) Projection() => fusedWeight is not null && fusedBias is not null
        ? (fusedWeight, fusedBias)
        : (torch.cat([query.weight!, key.weight!, value.weight!], 0), torch.cat([query.bias!, key.bias!, value.bias!], 0));

    /// <summary>One [3·hidden, hidden] projection instead of three; the three parameters become views into it.</summary>
    public void Fuse()
    {
        if (fusedWeight is not null)
        {
            return;
        }
        var hidden = query.weight!.shape[0];
        // Not registered: these are storage behind the registered parameters, not parameters of their own.
        fusedWeight = torch.cat([query.weight!, key.weight!, value.weight!], 0).DetachFromDisposeScope();
        fusedBias = torch.cat([query.bias!, key.bias!, value.bias!], 0).DetachFromDisposeScope();
        query.weight = new Parameter(fusedWeight.narrow(0, 0, hidden), requires_grad: false);
        key.weight = new Parameter(fusedWeight.narrow(0, hidden, hidden), requires_grad: false);
        value.weight = new Parameter(fusedWeight.narrow(0, 2 * hidden, hidden), requires_grad: false);
        query.bias = new Parameter(fusedBias.narrow(0, 0, hidden), requires_grad: false);
        key.bias = new Parameter(fusedBias.narrow(0, hidden, hidden), requires_grad: false);
        value.bias = new Parameter(fusedBias.narrow(0, 2 * hidden, hidden), requires_grad: false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fusedWeight?.Dispose();
            fusedBias?.Dispose();
        }
        base.Dispose(disposing);
    }
}

internal sealed class BertIntermediate : Module
{
    [ComponentName(Name = "dense")] private readonly Linear dense;

    public BertIntermediate(BertConfig config) : base("intermediate")
    {
        dense = Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    public Linear Dense => dense;
}

/// <summary>A dense projection followed by a residual LayerNorm (<c>attention.output</c> and <c>output</c> in BERT).</summary>
internal sealed class DenseWithNorm : Module
{
    [ComponentName(Name = "dense")] private readonly Linear dense;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm layerNorm;

    public DenseWithNorm(string name, long inFeatures, long outFeatures, double eps) : base(name)
    {
        dense = Linear(inFeatures, outFeatures);
        layerNorm = LayerNorm(outFeatures, eps);
        RegisterComponents();
    }

    public Linear Dense => dense;
    public LayerNorm Norm => layerNorm;
}

/// <summary>How the dense (fully connected) layers are computed.</summary>
public enum DenseKernel
{
    /// <summary><c>F.linear</c>: libtorch's BLAS path (oneDNN for bf16 on the CPU, cuBLAS on CUDA).</summary>
    Linear,

    /// <summary>A 1×1 convolution on a channels-last view: routes fp32 CPU products through oneDNN.</summary>
    Conv1x1,
}
