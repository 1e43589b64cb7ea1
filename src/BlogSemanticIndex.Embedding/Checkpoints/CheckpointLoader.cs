using System.Text.Json.Nodes;
using BlogSemanticIndex.Embedding.Modeling;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Checkpoints;

/// <summary>Reads a Hugging Face checkpoint and copies it into a <see cref="BertModel"/> with strict key checking.</summary>
public static class CheckpointLoader
{
    public const string SafeTensorsFile = "model.safetensors";
    public const string SafeTensorsIndexFile = "model.safetensors.index.json";
    public const string PyTorchFile = "pytorch_model.bin";

    // Tensors a BERT checkpoint may carry that a sentence encoder does not use: the position-id buffer, the pooler
    // (sentence-transformers pools token states itself) and pre-training heads.
    private static readonly string[] IgnoredPrefixes = ["pooler.", "cls."];
    private static readonly string[] IgnoredNames = ["embeddings.position_ids"];

    /// <summary>The checkpoint file of a model folder, or a message saying which files were looked for.</summary>
    public static string FindCheckpoint(string folder)
    {
        foreach (var name in new[] { SafeTensorsFile, SafeTensorsIndexFile, PyTorchFile })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException(
            $"The model folder {folder} has no weights: expected {SafeTensorsFile}, {SafeTensorsIndexFile} or {PyTorchFile}.");
    }

    /// <summary>Reads every tensor of a checkpoint file onto the CPU. The caller owns the tensors.</summary>
    public static Dictionary<string, Tensor> ReadTensors(string path)
    {
        var name = Path.GetFileName(path);
        if (name.EndsWith(".safetensors", StringComparison.Ordinal))
        {
            return SafeTensors.Load(path);
        }
        if (name == SafeTensorsIndexFile)
        {
            return ReadShards(path);
        }
        if (name.EndsWith(".bin", StringComparison.Ordinal) || name.EndsWith(".pt", StringComparison.Ordinal))
        {
            return PyTorchCheckpoint.Load(path);
        }
        throw new NotSupportedException($"{path}: unknown checkpoint format; supported: *.safetensors, {SafeTensorsIndexFile}, *.bin (PyTorch).");
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="model"/> (converting dtypes as needed). Keys may carry a
    /// <c>bert.</c> prefix. Throws <see cref="CheckpointMismatchException"/> listing every missing, unexpected and
    /// mis-shaped tensor before changing anything. Does not dispose <paramref name="tensors"/>.
    /// </summary>
    public static void Apply(BertModel model, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var expected = model.state_dict();
        var byModelKey = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        foreach (var (key, tensor) in tensors)
        {
            var name = key.StartsWith("bert.", StringComparison.Ordinal) ? key["bert.".Length..] : key;
            if (expected.ContainsKey(name))
            {
                if (!byModelKey.TryAdd(name, tensor))
                {
                    unexpected.Add($"{key} (duplicate of {name})");
                }
            }
            else if (!IgnoredNames.Contains(name) && !IgnoredPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                unexpected.Add(key);
            }
        }
        var missing = expected.Keys.Where(k => !byModelKey.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var misshaped = byModelKey
            .Where(p => !p.Value.shape.SequenceEqual(expected[p.Key].shape))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}: checkpoint [{string.Join(", ", p.Value.shape)}], model [{string.Join(", ", expected[p.Key].shape)}]")
            .ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0)
        {
            unexpected.Sort(StringComparer.Ordinal);
            throw new CheckpointMismatchException(source, missing, unexpected, misshaped);
        }

        using var noGrad = no_grad();
        foreach (var (name, target) in expected)
        {
            target.copy_(byModelKey[name]);
        }
    }

    /// <summary>The shard files a <c>model.safetensors.index.json</c> names, in the order first named.</summary>
    public static IReadOnlyList<string> ShardFiles(string indexPath)
    {
        var folder = Path.GetDirectoryName(indexPath)!;
        var index = JsonNode.Parse(File.ReadAllText(indexPath)) as JsonObject;
        if (index?["weight_map"] is not JsonObject weightMap)
        {
            throw new InvalidDataException($"{indexPath}: no weight_map object.");
        }
        return [.. weightMap.Select(p => p.Value!.GetValue<string>()).Distinct().Select(shard => Path.Combine(folder, shard))];
    }

    private static Dictionary<string, Tensor> ReadShards(string indexPath)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var shard in ShardFiles(indexPath))
        {
            foreach (var (name, tensor) in SafeTensors.Load(shard))
            {
                result[name] = tensor;
            }
        }
        return result;
    }
}
