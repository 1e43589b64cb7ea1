namespace BlogSemanticIndex.ModelHub;

/// <summary>Which files of a model repository a pull fetches.</summary>
public static class HubFileFilter
{
    // Exports for other runtimes: large, and nothing here reads them.
    private static readonly string[] SkippedFolders = ["onnx/", "openvino/", "coreml/", "tflite/"];

    private static readonly string[] SkippedWeights = [".h5", ".msgpack", ".ot", ".onnx", ".onnx_data", ".tflite", ".mlmodel", ".gguf"];

    /// <summary>
    /// What a sentence-transformers BERT model needs: the configuration and tokenizer files (every <c>.json</c>,
    /// <c>vocab.txt</c>) at the top and in the module folders (<c>1_Pooling/config.json</c>), and the PyTorch weights of
    /// each folder: <c>*.safetensors</c> (with a shard index) where the folder has them, else <c>pytorch_model*.bin</c>.
    /// TensorFlow, Flax, Rust, ONNX and OpenVINO exports are skipped.
    /// </summary>
    public static IReadOnlyList<string> SelectDefault(IReadOnlyCollection<string> repositoryFiles)
    {
        ArgumentNullException.ThrowIfNull(repositoryFiles);
        var candidates = repositoryFiles
            .Where(f => !SkippedFolders.Any(folder => f.StartsWith(folder, StringComparison.OrdinalIgnoreCase)
                || f.Contains("/" + folder, StringComparison.OrdinalIgnoreCase)))
            .Where(f => !SkippedWeights.Any(ext => f.EndsWith(ext, StringComparison.OrdinalIgnoreCase)))
            .ToList();

        var folderHasSafetensors = candidates
            .Where(f => f.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            .Select(FolderOf)
            .ToHashSet(StringComparer.Ordinal);

        return candidates.Where(f =>
        {
            var name = f[(f.LastIndexOf('/') + 1)..];
            if (name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (name.StartsWith("pytorch_model", StringComparison.Ordinal)
                && (name.EndsWith(".bin", StringComparison.Ordinal) || name.EndsWith(".bin.index.json", StringComparison.Ordinal)))
            {
                return !folderHasSafetensors.Contains(FolderOf(f));
            }

            return name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name == "vocab.txt";
        }).OrderBy(f => f, StringComparer.Ordinal).ToList();
    }

    private static string FolderOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }
}
