using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Training;

/// <summary>
/// The linear layer of Sentence-BERT's classification objective (InferSent's): features (u, v, |u − v|) of a pair's
/// two sentence vectors → one logit per label class. It is trained with the encoder and saved in checkpoints (resume
/// needs its weights and AdamW state), but never written to the model folder: the result stays a plain sentence encoder.
/// </summary>
/// <remarks>
/// Classes are the labels rounded to the nearest integer, halves up (<see cref="ClassOf"/>): LCQMC's 0/1 are two
/// classes; STS-B's graded 0–5 become six (2.5 → 3, 3.8 → 4), since a softmax over classes needs integer labels.
/// </remarks>
internal sealed class SoftmaxClassifierHead : IDisposable
{
    public const string CheckpointFile = "softmax-head.safetensors";

    // Names the optimiser's weight-decay rule reads (decay on the weight, not the bias), apart from the encoder's.
    private const string NamePrefix = "classifier.";

    /// <summary>The layer [3 × hidden → classes], float32 on the encoder's device.</summary>
    public Linear Layer { get; }

    public int Classes { get; }

    /// <param name="hiddenSize">The sentence vectors' width.</param>
    /// <param name="classes">At least 2.</param>
    public SoftmaxClassifierHead(long hiddenSize, int classes, Device device)
    {
        Classes = classes;
        Layer = nn.Linear(3 * hiddenSize, classes, device: device, dtype: ScalarType.Float32);
    }

    /// <summary>A label's class: the nearest integer, halves up (labels are ≥ 0).</summary>
    public static int ClassOf(double label) => (int)Math.Floor(label + 0.5);

    /// <summary>Classes 0 … the largest class among the training labels; at least 2 (a set with one label trains nothing).</summary>
    public static int ClassCount(IEnumerable<SentencePair> pairs) => Math.Max(2, pairs.Max(p => ClassOf(p.Label)) + 1);

    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters =>
        Layer.named_parameters().Select(p => (NamePrefix + p.name, p.parameter));

    public void Save(string path)
    {
        using var scope = NewDisposeScope();
        var tensors = Layer.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().cpu().contiguous());
        Safetensors.SaveStateDict(path, tensors);
    }

    public void Load(string path) => Layer.load_safetensors(path);

    public void Dispose() => Layer.Dispose();
}
