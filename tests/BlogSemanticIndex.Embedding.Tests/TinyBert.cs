using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>A small randomly initialised BERT in Hugging Face folder layout, for loading tests.</summary>
internal static class TinyBert
{
    public static readonly BertConfig Config = new()
    {
        VocabSize = 64,
        HiddenSize = 32,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        IntermediateSize = 48,
        MaxPositionEmbeddings = 40,
        TypeVocabSize = 2,
        LayerNormEps = 1e-12,
        HiddenAct = "gelu",
    };

    public static readonly string[] Vocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        .. "abcdefghijklmnopqrstuvwxyz".Select(c => c.ToString()),
        "the", "cat", "dog", "sat", "on", "mat", "blog", "post", "##s", "##ing", ".", ",", "!", "?", "search", "vector",
        "今", "天", "好", "我",
    ];

    /// <summary>A fresh random state dict (seeded); the caller owns the tensors.</summary>
    public static Dictionary<string, Tensor> RandomStateDict(int seed = 7)
    {
        random.manual_seed(seed);
        using var model = new BertModel(Config);
        return model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>Writes a complete model folder (config, vocab, tokenizer config, weights; optional pooling) and returns it.</summary>
    public static string WriteFolder(string folder, IReadOnlyDictionary<string, Tensor>? tensors = null, string? pooling = null, bool normalize = false)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), Config.ToJson());
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), Vocabulary);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case": true, "model_max_length": 40}""");
        var owned = tensors is null ? RandomStateDict() : null;
        try
        {
            SafeTensors.Save(Path.Combine(folder, CheckpointLoader.SafeTensorsFile), tensors ?? owned!);
        }
        finally
        {
            foreach (var tensor in owned?.Values ?? Enumerable.Empty<Tensor>())
            {
                tensor.Dispose();
            }
        }
        if (pooling is not null)
        {
            Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
            File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), pooling);
            var modules = """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}""";
            if (normalize)
            {
                modules += """,{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}""";
            }
            File.WriteAllText(Path.Combine(folder, "modules.json"), modules + "]");
        }
        return folder;
    }

    public static string TempFolder(string name) =>
        Path.Combine(Path.GetTempPath(), "bsi-tests", $"{name}-{Guid.NewGuid():N}");
}
