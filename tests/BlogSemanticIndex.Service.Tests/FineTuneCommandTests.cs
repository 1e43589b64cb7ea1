using System.Text.Json.Nodes;
using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;

namespace BlogSemanticIndex.Service.Tests;

/// <summary><c>bsi finetune</c> as an operator runs it: the real binary, a handful of pairs, a small random model with MiniLM's vocabulary.</summary>
public sealed class FineTuneCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("bsi-finetune-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task A_bad_row_is_one_line_naming_the_file_and_row_and_exit_code_2()
    {
        var pairs = Write("pairs.tsv", "a cat\ta kitten\t1\na dog\ta car\t9\n");

        var (exitCode, output) = await BsiProcess.RunAsync(null, "finetune", "--pairs", pairs, "--out", Path.Combine(folder, "out"));

        Assert.Equal(2, exitCode);
        Assert.Contains($"{pairs}:2: the label 9 is out of range; allowed: 0 to 5", output);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }

    [Theory]
    [InlineData("--precision", "fp16", "--precision fp16 needs a CUDA device")]
    [InlineData("--objective", "hinge", "--objective is hinge; allowed: cosent, mse, softmax.")]
    public async Task A_bad_option_is_one_line_and_exit_code_2_before_anything_is_written(string option, string value, string message)
    {
        var pairs = Write("pairs.tsv", "a cat\ta kitten\t1\na dog\ta car\t0\n");

        var (exitCode, output) = await BsiProcess.RunAsync(null, "finetune", "--pairs", pairs, "--out", Path.Combine(folder, "out"),
            option, value, "--set", "Encoder:Device=cpu");

        Assert.Equal(2, exitCode);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }

    // A 2-layer, 32-wide BERT with MiniLM's vocabulary: the same code path as MiniLM at a fraction of the time.
    private string TinyModel()
    {
        var model = Path.Combine(folder, "tiny-base");
        Directory.CreateDirectory(model);
        var config = new BertConfig
        {
            VocabSize = 30522, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 64, MaxPositionEmbeddings = 64,
        };
        File.WriteAllText(Path.Combine(model, "config.json"), config.ToJson());
        File.WriteAllBytes(Path.Combine(model, "vocab.txt"), BuiltinModel.MiniLm.ReadVocabBytes());
        File.WriteAllText(Path.Combine(model, "tokenizer_config.json"), """{"do_lower_case": true, "model_max_length": 64}""");
        using var bert = new BertModel(config);
        SafeTensors.Save(Path.Combine(model, CheckpointLoader.SafeTensorsFile), bert.state_dict());
        return model;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var bsi = BsiProcess.Start(null, args);
        var exitCode = await bsi.WaitForExitAsync(TimeSpan.FromMinutes(3));
        return (exitCode, bsi.Output);
    }

    [Fact]
    public async Task Writes_a_model_folder_with_metrics_that_the_encoder_settings_load()
    {
        var pairs = Write("pairs.csv", "sentence1,sentence2,score\nA man plays a guitar.,A man is playing the guitar.,4.8\n" +
                                       "A dog runs.,\"A plane, taking off.\",0.2\nA woman slices onions.,Someone cuts an onion.,4\nKids play soccer.,The stock market fell.,0\n");
        var output = Path.Combine(folder, "tuned");

        var run = await RunAsync("finetune", "--model", TinyModel(), "--pairs", pairs, "--eval", pairs, "--out", output, "--epochs", "2",
            "--batch-size", "2", "--max-length", "16", "--set", "Encoder:Device=cpu");

        Assert.True(run.ExitCode == 0, run.Output);
        foreach (var file in new[] { "config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors", "modules.json", "1_Pooling/config.json", "metrics.json" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing");
        }
        Assert.Matches(@"base\s*│[^\n]*│\s*-?\d\.\d{4}", run.Output);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!;
        Assert.EndsWith("tiny-base", metrics["baseModel"]!.GetValue<string>());
        Assert.Equal(2, metrics["epochs"]!.AsArray().Count);
        Assert.NotNull(metrics["epochs"]![1]!["devSpearman"]);

        var embed = await RunAsync("embed", "a guitar", "--set", $"Encoder:Model={output}", "--set", "Encoder:Device=cpu");
        Assert.Equal(0, embed.ExitCode);
        Assert.Contains("\"vector\"", embed.Output);
    }
}
