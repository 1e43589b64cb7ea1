using System.Text.Json;
using System.Text.Json.Nodes;

namespace BlogSemanticIndex.Embedding.Modeling;

/// <summary>The shape of a BERT encoder, as in a Hugging Face <c>config.json</c>.</summary>
public sealed record BertConfig
{
    /// <summary>The activations this encoder implements, by their Hugging Face names.</summary>
    public static readonly IReadOnlyList<string> SupportedActivations = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];

    public string ModelType { get; init; } = "bert";
    public int VocabSize { get; init; } = 30522;
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double LayerNormEps { get; init; } = 1e-12;
    public string HiddenAct { get; init; } = "gelu";
    public int PadTokenId { get; init; }

    public int HeadDim => HiddenSize / NumAttentionHeads;

    public static BertConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The model configuration {path} does not exist.", path);
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a <c>config.json</c>; <paramref name="source"/> names it in error messages.</summary>
    public static BertConfig Parse(string json, string source = "config.json")
    {
        var root = JsonNode.Parse(json) as JsonObject
            ?? throw new InvalidDataException($"{source}: expected a JSON object.");
        var defaults = new BertConfig();
        var config = new BertConfig
        {
            ModelType = GetString(root, "model_type") ?? defaults.ModelType,
            VocabSize = GetInt(root, "vocab_size", source) ?? defaults.VocabSize,
            HiddenSize = GetInt(root, "hidden_size", source) ?? defaults.HiddenSize,
            NumHiddenLayers = GetInt(root, "num_hidden_layers", source) ?? defaults.NumHiddenLayers,
            NumAttentionHeads = GetInt(root, "num_attention_heads", source) ?? defaults.NumAttentionHeads,
            IntermediateSize = GetInt(root, "intermediate_size", source) ?? defaults.IntermediateSize,
            MaxPositionEmbeddings = GetInt(root, "max_position_embeddings", source) ?? defaults.MaxPositionEmbeddings,
            TypeVocabSize = GetInt(root, "type_vocab_size", source) ?? defaults.TypeVocabSize,
            LayerNormEps = root["layer_norm_eps"] is JsonValue eps ? eps.GetValue<double>() : defaults.LayerNormEps,
            HiddenAct = GetString(root, "hidden_act") ?? defaults.HiddenAct,
            PadTokenId = GetInt(root, "pad_token_id", source) ?? 0,
        };
        config.Validate(source);
        return config;
    }

    /// <summary>Rejects shapes and settings this encoder cannot run, naming the setting.</summary>
    public void Validate(string source = "config.json")
    {
        if (!SupportedActivations.Contains(HiddenAct))
        {
            throw new NotSupportedException(
                $"{source}: hidden_act '{HiddenAct}' is not supported; allowed values: {string.Join(", ", SupportedActivations)}.");
        }
        if (ModelType is not ("bert" or ""))
        {
            throw new NotSupportedException($"{source}: model_type '{ModelType}' is not supported; allowed values: bert.");
        }
        foreach (var (name, value) in new[]
                 {
                     ("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("num_hidden_layers", NumHiddenLayers),
                     ("num_attention_heads", NumAttentionHeads), ("intermediate_size", IntermediateSize),
                     ("max_position_embeddings", MaxPositionEmbeddings), ("type_vocab_size", TypeVocabSize),
                 })
        {
            if (value <= 0)
            {
                throw new InvalidDataException($"{source}: {name} must be positive, got {value}.");
            }
        }
        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new InvalidDataException(
                $"{source}: hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}.");
        }
        if (!(LayerNormEps > 0))
        {
            throw new InvalidDataException($"{source}: layer_norm_eps must be positive, got {LayerNormEps}.");
        }
    }

    public string ToJson()
    {
        var node = new JsonObject
        {
            ["architectures"] = new JsonArray("BertModel"),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["intermediate_size"] = IntermediateSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["type_vocab_size"] = TypeVocabSize,
            ["layer_norm_eps"] = LayerNormEps,
            ["hidden_act"] = HiddenAct,
            ["pad_token_id"] = PadTokenId,
        };
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string? GetString(JsonObject root, string name) =>
        root[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static int? GetInt(JsonObject root, string name, string source)
    {
        if (root[name] is not JsonValue value)
        {
            return null;
        }
        if (value.TryGetValue<int>(out var number))
        {
            return number;
        }
        throw new InvalidDataException($"{source}: {name} must be an integer, got {value.ToJsonString()}.");
    }
}
