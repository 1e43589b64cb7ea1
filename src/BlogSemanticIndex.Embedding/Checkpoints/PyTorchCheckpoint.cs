using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Checkpoints;

/// <summary>Reads <c>pytorch_model.bin</c> (a pickled state dict in a zip archive).</summary>
internal static class PyTorchCheckpoint
{
    public static Dictionary<string, Tensor> Load(string path) =>
        throw new NotSupportedException(
            $"{path}: PyTorch pickle checkpoints are not supported by this build; convert the model to model.safetensors " +
            "(for example with the Hugging Face 'safetensors convert' tool) or pull a revision that ships one.");
}
