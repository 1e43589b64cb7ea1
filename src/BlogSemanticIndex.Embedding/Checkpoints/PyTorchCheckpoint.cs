using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Checkpoints;

/// <summary>
/// Reads <c>pytorch_model.bin</c>: a state dict pickled by <c>torch.save</c> (the zip format of PyTorch ≥ 1.6),
/// through TorchSharp.PyBridge's unpickler. Prefer safetensors: unpickling is slower and the legacy format is not read.
/// </summary>
internal static class PyTorchCheckpoint
{
    public static Dictionary<string, Tensor> Load(string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (NotImplementedException e)
        {
            throw new NotSupportedException(
                $"{path} cannot be read: {e.Message} Convert the checkpoint to model.safetensors, or pull a revision that ships one.", e);
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor)
            {
                tensors[name] = tensor.DetachFromDisposeScope();
            }
        }
        if (tensors.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no tensors; expected a state dict saved with torch.save(model.state_dict()).");
        }
        return tensors;
    }
}
