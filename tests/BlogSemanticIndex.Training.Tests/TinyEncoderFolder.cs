using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Training.Tests;

/// <summary>
/// A small randomly initialised BERT (seeded) with MiniLM's English vocabulary and mean pooling, as a sentence-transformers
/// folder: fast enough to train for a few epochs on the CPU inside a test.
/// </summary>
internal static class TinyEncoderFolder
{
    public static readonly BertConfig Config = new()
    {
        VocabSize = 30522,
        HiddenSize = 32,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 64,
        MaxPositionEmbeddings = 64,
        HiddenAct = "gelu",
    };

    public static string Create(int seed = 11)
    {
        var folder = Path.Combine(Path.GetTempPath(), "bsi-tests", $"tiny-encoder-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        File.WriteAllText(Path.Combine(folder, "config.json"), Config.ToJson());
        File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), BuiltinModel.MiniLm.ReadVocabBytes());
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case": true, "model_max_length": 64}""");
        File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), """{"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true}""");
        File.WriteAllText(Path.Combine(folder, "modules.json"),
            """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]""");
        random.manual_seed(seed);
        using var model = new BertModel(Config);
        SafeTensors.Save(Path.Combine(folder, CheckpointLoader.SafeTensorsFile), model.state_dict());
        return folder;
    }
}
