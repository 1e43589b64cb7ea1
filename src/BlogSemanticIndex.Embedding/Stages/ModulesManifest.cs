using System.Text.Json.Nodes;

namespace BlogSemanticIndex.Embedding.Stages;

/// <summary>
/// The stages of a sentence-transformers model folder, in order, from <c>modules.json</c>: the transformer, then
/// pooling, then optional normalisation.
/// </summary>
public sealed record ModulesManifest(string TransformerPath, string? PoolingPath, bool Normalize)
{
    public const string FileName = "modules.json";

    private static readonly string[] SupportedTypes =
    [
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
    ];

    /// <summary>
    /// Reads <c>modules.json</c>; a plain Hugging Face folder without one is a transformer with mean pooling
    /// (or the pooling in <c>1_Pooling</c> when that folder exists) and no normalisation.
    /// </summary>
    public static ModulesManifest Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            var pooling = Path.Combine(folder, "1_Pooling");
            return new ModulesManifest(folder, File.Exists(Path.Combine(pooling, Pooling.ConfigFile)) ? pooling : null, Normalize: false);
        }
        var modules = JsonNode.Parse(File.ReadAllText(path)) as JsonArray
            ?? throw new InvalidDataException($"{path}: expected a JSON array of modules.");
        string? transformer = null;
        string? poolingPath = null;
        var normalize = false;
        var stage = 0;
        foreach (var module in modules.OfType<JsonObject>().OrderBy(m => m["idx"]?.GetValue<int>() ?? 0))
        {
            var type = module["type"]?.GetValue<string>() ?? "";
            var modulePath = Path.Combine(folder, module["path"]?.GetValue<string>() ?? "");
            // Stages must come in pipeline order; anything else (Dense, WordEmbeddings, ...) is not implemented.
            var expectedStage = Array.IndexOf(SupportedTypes, type);
            if (expectedStage < 0 || expectedStage < stage)
            {
                throw new NotSupportedException(
                    $"{path}: module '{type}' is not supported here; supported, in this order: {string.Join(" → ", SupportedTypes)}.");
            }
            stage = expectedStage + 1;
            switch (expectedStage)
            {
                case 0: transformer = modulePath; break;
                case 1: poolingPath = modulePath; break;
                default: normalize = true; break;
            }
        }
        return new ModulesManifest(
            transformer ?? throw new InvalidDataException($"{path}: no sentence_transformers.models.Transformer module."),
            poolingPath,
            normalize);
    }
}
