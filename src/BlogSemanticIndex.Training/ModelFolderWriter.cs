using System.Text.Json;
using System.Text.Json.Nodes;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.Embedding.Stages;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Training;

/// <summary>
/// Writes a trained encoder as a sentence-transformers folder that <c>Encoder:Model</c> loads like any other:
/// <c>config.json</c>, the tokenizer files of the base model, <c>model.safetensors</c> (fp32), <c>modules.json</c>,
/// <c>1_Pooling/config.json</c> (and <c>2_Normalize</c> when the base normalised).
/// </summary>
internal static class ModelFolderWriter
{
    // The tokenizer and sentence-transformers files a base folder may carry, copied unchanged.
    private static readonly string[] TokenizerFiles =
        ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "sentence_bert_config.json"];

    public static void Write(string output, BertModel model, ModulesManifest baseManifest, string baseFolder, PoolingMode pooling)
    {
        Directory.CreateDirectory(output);
        foreach (var name in TokenizerFiles)
        {
            var source = Path.Combine(baseManifest.TransformerPath, name);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(output, name), overwrite: true);
            }
        }
        var prompts = Path.Combine(baseFolder, SentenceTransformersConfig.FileName);
        if (File.Exists(prompts))
        {
            File.Copy(prompts, Path.Combine(output, SentenceTransformersConfig.FileName), overwrite: true);
        }
        File.WriteAllText(Path.Combine(output, "config.json"), model.Config.ToJson());
        SaveWeights(model, Path.Combine(output, CheckpointLoader.SafeTensorsFile));

        Directory.CreateDirectory(Path.Combine(output, "1_Pooling"));
        WriteJson(Path.Combine(output, "1_Pooling", Pooling.ConfigFile), new JsonObject
        {
            ["word_embedding_dimension"] = model.Config.HiddenSize,
            ["pooling_mode_cls_token"] = pooling == PoolingMode.Cls,
            ["pooling_mode_mean_tokens"] = pooling == PoolingMode.Mean,
            ["pooling_mode_max_tokens"] = pooling == PoolingMode.Max,
            ["pooling_mode_mean_sqrt_len_tokens"] = pooling == PoolingMode.MeanSqrtLen,
        });
        var modules = new JsonArray(
            Module(0, "", "sentence_transformers.models.Transformer"),
            Module(1, "1_Pooling", "sentence_transformers.models.Pooling"));
        if (baseManifest.Normalize)
        {
            Directory.CreateDirectory(Path.Combine(output, "2_Normalize"));
            modules.Add(Module(2, "2_Normalize", "sentence_transformers.models.Normalize"));
        }
        WriteJson(Path.Combine(output, ModulesManifest.FileName), modules);
    }

    /// <summary>
    /// The model's state dict in fp32 on the CPU through TorchSharp.PyBridge, to a temporary file moved into place, so a
    /// reader never sees half a file.
    /// </summary>
    public static void SaveWeights(BertModel model, string path)
    {
        using var scope = NewDisposeScope();
        var tensors = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().to(ScalarType.Float32).cpu().contiguous());
        var temporary = path + ".tmp-" + Environment.ProcessId;
        TorchSharp.PyBridge.Safetensors.SaveStateDict(temporary, tensors);
        File.Move(temporary, path, overwrite: true);
    }

    public static void WriteJson(string path, JsonNode node) =>
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = type,
    };
}
