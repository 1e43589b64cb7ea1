using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Stages;
using Onnx;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Builtin;

/// <summary>
/// Imports a <see cref="BuiltinModel"/> once into a Hugging Face / sentence-transformers folder (config.json, vocab.txt,
/// tokenizer_config.json, model.safetensors, modules.json, 1_Pooling, config_sentence_transformers.json with the query
/// prompt) that loads like any other; the weights come out of the ONNX graph through <see cref="OnnxBertImporter"/>.
/// </summary>
public static class BuiltinImporter
{
    public const string MarkerFile = "bsi-import.json";

    private static readonly Lock ImportLock = new();

    /// <summary>
    /// Returns a model folder holding the imported weights, importing them first when the folder is absent or came
    /// from another build of the package. Safe against concurrent callers and processes: the import is written to a
    /// temporary folder and moved into place.
    /// </summary>
    public static BuiltinModelFolder EnsureImported(BuiltinModel model, string? folder = null)
    {
        folder = Path.GetFullPath(folder ?? model.DefaultFolder);
        var moduleId = model.PackageAssembly.ManifestModule.ModuleVersionId.ToString();
        lock (ImportLock)
        {
            if (TryReadMarker(folder, moduleId) is { } revision)
            {
                return new BuiltinModelFolder(folder, revision);
            }
            var temporary = $"{folder}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
            try
            {
                revision = WriteFolder(model, temporary, moduleId);
                if (Directory.Exists(folder))
                {
                    // Another process may have finished first; a stale or partial folder is replaced.
                    if (TryReadMarker(folder, moduleId) is { } theirs)
                    {
                        Directory.Delete(temporary, recursive: true);
                        return new BuiltinModelFolder(folder, theirs);
                    }
                    Directory.Delete(folder, recursive: true);
                }
                Directory.Move(temporary, folder);
                return new BuiltinModelFolder(folder, revision);
            }
            finally
            {
                if (Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }
            }
        }
    }

    private static string? TryReadMarker(string folder, string moduleId)
    {
        var marker = Path.Combine(folder, MarkerFile);
        if (!File.Exists(marker) || !File.Exists(Path.Combine(folder, CheckpointLoader.SafeTensorsFile)))
        {
            return null;
        }
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(marker));
            return node?["package_module_id"]?.GetValue<string>() == moduleId ? node["revision"]?.GetValue<string>() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string WriteFolder(BuiltinModel model, string folder, string moduleId)
    {
        Directory.CreateDirectory(folder);
        var onnx = model.ReadOnnxBytes();
        var revision = "onnx-sha256:" + Convert.ToHexStringLower(SHA256.HashData(onnx));
        var imported = OnnxBertImporter.Import(ModelProto.Parser.ParseFrom(onnx));
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), imported.Config.ToJson());
            SafeTensors.Save(Path.Combine(folder, CheckpointLoader.SafeTensorsFile), imported.Tensors, new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["source"] = $"{model.PackageName} {model.PackageAssembly.GetName().Version} {model.OnnxResource}",
                ["revision"] = revision,
            });
        }
        finally
        {
            foreach (var tensor in imported.Tensors.Values)
            {
                tensor.Dispose();
            }
        }
        File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), model.ReadVocabBytes());
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = true,
            ["tokenize_chinese_chars"] = true,
            ["strip_accents"] = null,
            ["model_max_length"] = 512,
            ["unk_token"] = "[UNK]",
            ["sep_token"] = "[SEP]",
            ["pad_token"] = "[PAD]",
            ["cls_token"] = "[CLS]",
            ["mask_token"] = "[MASK]",
        });
        WriteJson(Path.Combine(folder, "sentence_bert_config.json"), new JsonObject
        {
            ["max_seq_length"] = model.MaxSequenceLength,
            ["do_lower_case"] = false,
        });
        WriteJson(Path.Combine(folder, "modules.json"), new JsonArray(
            Module(0, "", "sentence_transformers.models.Transformer"),
            Module(1, "1_Pooling", "sentence_transformers.models.Pooling"),
            Module(2, "2_Normalize", "sentence_transformers.models.Normalize")));
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        WriteJson(Path.Combine(folder, "1_Pooling", "config.json"), new JsonObject
        {
            ["word_embedding_dimension"] = imported.Config.HiddenSize,
            ["pooling_mode_cls_token"] = model.Pooling == PoolingMode.Cls,
            ["pooling_mode_mean_tokens"] = model.Pooling == PoolingMode.Mean,
            ["pooling_mode_max_tokens"] = false,
            ["pooling_mode_mean_sqrt_len_tokens"] = false,
        });
        Directory.CreateDirectory(Path.Combine(folder, "2_Normalize"));
        WriteJson(Path.Combine(folder, SentenceTransformersConfig.FileName), new JsonObject
        {
            ["prompts"] = new JsonObject { ["query"] = model.QueryPrefix, ["document"] = "" },
            ["default_prompt_name"] = null,
        });
        // Written last: its presence says the folder is complete.
        WriteJson(Path.Combine(folder, MarkerFile), new JsonObject
        {
            ["model"] = model.ModelId,
            ["revision"] = revision,
            ["package"] = model.PackageName,
            ["package_version"] = model.PackageAssembly.GetName().Version?.ToString(),
            ["package_module_id"] = moduleId,
            ["imported_at"] = DateTimeOffset.UtcNow.ToString("O"),
        });
        return revision;
    }

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = type,
    };

    private static void WriteJson(string path, JsonNode node) =>
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
