using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Tests;

public sealed class CheckpointLoaderTests
{
    [Fact]
    public void Model_state_dict_keys_are_the_hugging_face_bert_keys()
    {
        using var model = new BertModel(TinyBert.Config);
        var keys = model.state_dict().Keys.ToHashSet();

        Assert.Contains("embeddings.word_embeddings.weight", keys);
        Assert.Contains("embeddings.position_embeddings.weight", keys);
        Assert.Contains("embeddings.token_type_embeddings.weight", keys);
        Assert.Contains("embeddings.LayerNorm.weight", keys);
        Assert.Contains("encoder.layer.1.attention.self.query.weight", keys);
        Assert.Contains("encoder.layer.1.attention.self.value.bias", keys);
        Assert.Contains("encoder.layer.0.attention.output.dense.weight", keys);
        Assert.Contains("encoder.layer.0.attention.output.LayerNorm.bias", keys);
        Assert.Contains("encoder.layer.0.intermediate.dense.weight", keys);
        Assert.Contains("encoder.layer.0.output.dense.bias", keys);
        Assert.Contains("encoder.layer.0.output.LayerNorm.weight", keys);
        // 5 embedding tensors + 16 per layer.
        Assert.Equal(5 + 16 * TinyBert.Config.NumHiddenLayers, keys.Count);
    }

    [Fact]
    public void Missing_extra_and_misshaped_tensors_are_all_listed_in_one_error()
    {
        var tensors = TinyBert.RandomStateDict();
        try
        {
            tensors.Remove("encoder.layer.1.output.dense.bias", out var removed);
            removed!.Dispose();
            tensors["encoder.layer.0.attention.self.extra.weight"] = zeros(3, 3);
            tensors["encoder.layer.0.intermediate.dense.weight"].Dispose();
            tensors["encoder.layer.0.intermediate.dense.weight"] = zeros(47, 32);
            using var model = new BertModel(TinyBert.Config);

            var error = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Apply(model, tensors, "test.safetensors"));

            Assert.Equal(["encoder.layer.1.output.dense.bias"], error.Missing);
            Assert.Equal(["encoder.layer.0.attention.self.extra.weight"], error.Unexpected);
            Assert.Equal(["encoder.layer.0.intermediate.dense.weight: checkpoint [47, 32], model [48, 32]"], error.Misshaped);
            Assert.Contains("encoder.layer.1.output.dense.bias", error.Message);
            Assert.Contains("encoder.layer.0.attention.self.extra.weight", error.Message);
            Assert.Contains("checkpoint [47, 32], model [48, 32]", error.Message);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void Bert_prefix_pooler_and_position_ids_are_accepted()
    {
        var tensors = TinyBert.RandomStateDict();
        var prefixed = tensors.ToDictionary(p => "bert." + p.Key, p => p.Value);
        prefixed["bert.pooler.dense.weight"] = zeros(32, 32);
        prefixed["bert.embeddings.position_ids"] = arange(40).unsqueeze(0);
        try
        {
            using var model = new BertModel(TinyBert.Config);
            CheckpointLoader.Apply(model, prefixed, "prefixed");

            var loaded = model.state_dict();
            Assert.True(loaded["encoder.layer.1.attention.self.key.weight"].eq(tensors["encoder.layer.1.attention.self.key.weight"]).all().item<bool>());
        }
        finally
        {
            foreach (var tensor in prefixed.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void Fusing_projections_keeps_the_state_dict_values()
    {
        var tensors = TinyBert.RandomStateDict();
        try
        {
            using var model = new BertModel(TinyBert.Config);
            CheckpointLoader.Apply(model, tensors, "fused");
            model.PrepareForInference();

            foreach (var (key, value) in model.state_dict())
            {
                Assert.True(value.eq(tensors[key]).all().item<bool>(), key);
            }
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void Model_folder_without_weights_names_the_files_looked_for()
    {
        var folder = TinyBert.TempFolder("noweights");
        Directory.CreateDirectory(folder);
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => CheckpointLoader.FindCheckpoint(folder));
            Assert.Contains("model.safetensors", error.Message);
            Assert.Contains("pytorch_model.bin", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
