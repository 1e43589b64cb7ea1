using System.Text.Json;
using System.Text.Json.Nodes;

namespace BlogSemanticIndex.Embedding.Stages;

/// <summary>
/// The query prompt of a sentence-transformers folder: <c>config_sentence_transformers.json</c>'s
/// <c>prompts.query</c>, the text a retrieval model was trained to see before each search query.
/// </summary>
public static class SentenceTransformersConfig
{
    public const string FileName = "config_sentence_transformers.json";

    /// <summary>The folder's query prompt, or "" when it has none.</summary>
    public static string ReadQueryPrompt(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return "";
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["prompts"]?["query"]?.GetValue<string>() ?? "";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: prompts.query is not a string ({e.Message}).", e);
        }
    }
}
