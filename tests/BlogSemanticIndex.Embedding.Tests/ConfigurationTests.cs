using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.Embedding.Stages;

namespace BlogSemanticIndex.Embedding.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void Bert_config_reads_the_hugging_face_keys()
    {
        var config = BertConfig.Parse("""
            {"model_type": "bert", "hidden_size": 512, "num_hidden_layers": 4, "num_attention_heads": 8,
             "intermediate_size": 2048, "max_position_embeddings": 512, "vocab_size": 21128, "type_vocab_size": 2,
             "layer_norm_eps": 1e-12, "hidden_act": "gelu_new"}
            """);

        Assert.Equal(512, config.HiddenSize);
        Assert.Equal(4, config.NumHiddenLayers);
        Assert.Equal(8, config.NumAttentionHeads);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(2048, config.IntermediateSize);
        Assert.Equal(21128, config.VocabSize);
        Assert.Equal("gelu_new", config.HiddenAct);
    }

    [Fact]
    public void Unknown_activation_is_rejected_with_the_allowed_values()
    {
        var error = Assert.Throws<NotSupportedException>(() => BertConfig.Parse("""{"hidden_act": "swish"}"""));
        Assert.Contains("swish", error.Message);
        Assert.Contains("gelu, gelu_new, gelu_pytorch_tanh, relu", error.Message);
    }

    [SkippableFact]
    public void Shared_bge_small_zh_config_parses()
    {
        var path = TestData.RequireShared("models/bge-small-zh-v1.5-no-weights/config.json");
        var config = BertConfig.Load(path);
        Assert.Equal(512, config.HiddenSize);
        Assert.Equal(21128, config.VocabSize);
    }

    [Fact]
    public void Encoder_options_list_every_problem_with_the_allowed_values()
    {
        var options = new EncoderOptions { Model = "builtin:other", Device = "tpu", Precision = "int8", Threads = -1, MaxTokensPerBatch = 10 };

        var errors = options.Validate();

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.Contains("Encoder:Model") && e.Contains("builtin:minilm"));
        Assert.Contains(errors, e => e.Contains("Encoder:Device 'tpu'") && e.Contains("auto, cpu, cuda, cuda:N"));
        Assert.Contains(errors, e => e.Contains("Encoder:Precision 'int8'") && e.Contains("auto, fp32, fp16, bf16"));
        Assert.Contains(errors, e => e.Contains("Encoder:Threads"));
        Assert.Contains(errors, e => e.Contains("Encoder:MaxTokensPerBatch"));
        Assert.Empty(new EncoderOptions().Validate());
    }

    [Fact]
    public void Cuda_device_without_cuda_is_refused()
    {
        Skip.If(TorchSharp.torch.cuda.is_available());
        var error = Assert.Throws<NotSupportedException>(() => DeviceSelection.ResolveDevice("cuda"));
        Assert.Contains("CUDA is not available", error.Message);
    }

    [Fact]
    public void Modules_json_with_an_unsupported_stage_names_the_supported_ones()
    {
        var folder = TinyBert.TempFolder("modules");
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "modules.json"),
                """[{"idx":0,"path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"path":"2_Dense","type":"sentence_transformers.models.Dense"}]""");
            var error = Assert.Throws<NotSupportedException>(() => ModulesManifest.Load(folder));
            Assert.Contains("sentence_transformers.models.Dense", error.Message);
            Assert.Contains("sentence_transformers.models.Pooling", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Hub_ids_missing_from_the_cache_say_how_to_pull_them()
    {
        var cache = TinyBert.TempFolder("hub");
        var previous = Environment.GetEnvironmentVariable("HF_HUB_CACHE");
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);
        try
        {
            var error = Assert.Throws<BlogSemanticIndex.ModelHub.ModelNotCachedException>(
                () => SentenceEncoder.Create(new EncoderOptions { Model = "BAAI/bge-small-zh-v1.5", Device = "cpu" }));
            Assert.Contains("bsi model pull BAAI/bge-small-zh-v1.5", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", previous);
        }
    }

    [Fact]
    public void A_libtorch_folder_without_libtorch_names_the_setting()
    {
        var empty = TinyBert.TempFolder("no-libtorch");

        var error = Assert.Throws<DirectoryNotFoundException>(() => LibTorchLoader.Load(empty));

        Assert.Contains("Encoder:LibTorchPath", error.Message);
    }
}
