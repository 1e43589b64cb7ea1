using System.Text.Json;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.TestSupport;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// The whole path a user takes to a hub model: a tiny random BERT checkpoint in Hugging Face
/// format is served in hub layout, <c>bsi model pull</c> fetches it, and <c>bsi embed</c> loads it
/// from the cache with the hub gone.
/// </summary>
public sealed class ModelPullTests : IDisposable
{
    private const string RepoId = "tiny-org/tiny-bert";
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly string _home = Directory.CreateTempSubdirectory("bsi-hf-home-").FullName;
    private readonly string _local = Directory.CreateTempSubdirectory("bsi-tiny-bert-").FullName;

    [Fact]
    public async Task A_checkpoint_served_in_hub_layout_is_pulled_then_loaded_offline_and_embeds()
    {
        WriteTinyCheckpoint(_local);
        using (var hub = new FakeHub())
        {
            var repo = hub.AddRepo(RepoId, Commit);
            foreach (var file in Directory.EnumerateFiles(_local, "*", SearchOption.AllDirectories))
            {
                var path = Path.GetRelativePath(_local, file).Replace('\\', '/');
                repo.Files[path] = await File.ReadAllBytesAsync(file);
            }
            repo.Lfs.Add(CheckpointLoader.SafeTensorsFile);

            var pull = await BsiProcess.RunAsync(new Dictionary<string, string> { ["HF_HOME"] = _home, ["HF_ENDPOINT"] = hub.Url },
                "model", "pull", RepoId);
            Assert.True(pull.ExitCode == 0, pull.Output);
        }

        // The hub is gone: the model must load from the cache alone.
        var embed = await BsiProcess.RunAsync(new Dictionary<string, string> { ["HF_HOME"] = _home, ["HF_HUB_OFFLINE"] = "1" },
            "embed", "hello world", "--set", $"Encoder:Model={RepoId}");
        Assert.True(embed.ExitCode == 0, embed.Output);
        var line = embed.Output.Split('\n').Single(l => l.StartsWith('{'));
        var pulled = JsonDocument.Parse(line).RootElement.GetProperty("vector").EnumerateArray().Select(v => v.GetSingle()).ToArray();

        using var local = SentenceEncoder.FromFolder(_local, new EncoderOptions { Device = "cpu", Precision = "fp32" });
        var expected = local.Encode(["hello world"])[0];
        Assert.Equal(32, pulled.Length);
        Assert.True(Cosine(pulled, expected) > 0.9999, $"cosine {Cosine(pulled, expected)}");
    }

    private static void WriteTinyCheckpoint(string folder)
    {
        const string config = """{"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":64,"max_position_embeddings":64,"vocab_size":16,"type_vocab_size":2,"layer_norm_eps":1e-12,"hidden_act":"gelu","model_type":"bert"}""";
        File.WriteAllText(Path.Combine(folder, "config.json"), config);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"),
            ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "blog", "post", "##s", "search", "新", "词", "a", "b", "c"]);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case":true,"model_max_length":64}""");
        File.WriteAllText(Path.Combine(folder, "modules.json"),
            """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]""");
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), """{"word_embedding_dimension":32,"pooling_mode_mean_tokens":true}""");
        manual_seed(42);
        using var model = new BertModel(BertConfig.Parse(config));
        SafeTensors.Save(Path.Combine(folder, CheckpointLoader.SafeTensorsFile), model.state_dict());
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    public void Dispose()
    {
        Directory.Delete(_home, recursive: true);
        Directory.Delete(_local, recursive: true);
    }
}
