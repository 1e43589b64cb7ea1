using BlogSemanticIndex.Embedding.Checkpoints;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>Loading a small random checkpoint from a Hugging Face folder, checked against a float64 forward pass.</summary>
public sealed class TinyModelFolderTests
{
    [Fact]
    public void Folder_with_cls_pooling_and_normalize_encodes_like_a_float64_reference()
    {
        var folder = TinyBert.WriteFolder(TinyBert.TempFolder("tiny"),
            pooling: """{"word_embedding_dimension": 32, "pooling_mode_cls_token": true}""", normalize: true);
        try
        {
            using var encoder = SentenceEncoder.FromFolder(folder, new EncoderOptions { Device = "cpu", Precision = "fp32" });
            Assert.Equal("cls", encoder.Info.Pooling);
            Assert.True(encoder.Info.Normalized);

            var texts = new[] { "the cat sat on the mat.", "blog", "search vector posts!", "今天好" };
            var vectors = encoder.Encode(texts);

            var weights = SafeTensors.Load(Path.Combine(folder, "model.safetensors"));
            try
            {
                for (var i = 0; i < texts.Length; i++)
                {
                    var expected = ReferenceCls(weights, encoder.Tokenize(texts[i]));
                    Assert.Equal(1.0, Math.Sqrt(vectors[i].Sum(v => (double)v * v)), 5);
                    Assert.True(VectorMath.Cosine(vectors[i], expected) > 0.99999, $"text {i}");
                }
            }
            finally
            {
                foreach (var tensor in weights.Values)
                {
                    tensor.Dispose();
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // A plain, unfused float64 BERT forward pass for one unpadded text, written out from the paper's equations.
    private static float[] ReferenceCls(Dictionary<string, Tensor> w, int[] ids)
    {
        using var scope = NewDisposeScope();
        Tensor W(string name) => w[name].to(ScalarType.Float64);
        Tensor Norm(Tensor x, string prefix)
        {
            var mean = x.mean([-1], keepdim: true);
            var variance = (x - mean).pow(2).mean([-1], keepdim: true);
            return (x - mean) / (variance + 1e-12).sqrt() * W(prefix + ".weight") + W(prefix + ".bias");
        }
        Tensor Dense(Tensor x, string prefix) => x.matmul(W(prefix + ".weight").t()) + W(prefix + ".bias");

        var length = ids.Length;
        var config = TinyBert.Config;
        var x = W("embeddings.word_embeddings.weight").index_select(0, tensor(ids.Select(i => (long)i).ToArray()))
                + W("embeddings.position_embeddings.weight").narrow(0, 0, length)
                + W("embeddings.token_type_embeddings.weight")[0];
        x = Norm(x, "embeddings.LayerNorm");
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var p = $"encoder.layer.{layer}.";
            Tensor Heads(Tensor t) => t.view(length, config.NumAttentionHeads, config.HeadDim).transpose(0, 1);
            var q = Heads(Dense(x, p + "attention.self.query"));
            var k = Heads(Dense(x, p + "attention.self.key"));
            var v = Heads(Dense(x, p + "attention.self.value"));
            var scores = q.matmul(k.transpose(1, 2)) / Math.Sqrt(config.HeadDim);
            var context = scores.softmax(-1).matmul(v).transpose(0, 1).reshape(length, config.HiddenSize);
            x = Norm(Dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm");
            var inner = Dense(x, p + "intermediate.dense");
            inner = inner * 0.5 * (1 + (inner / Math.Sqrt(2)).erf());
            x = Norm(Dense(inner, p + "output.dense") + x, p + "output.LayerNorm");
        }
        return x[0].to(ScalarType.Float32).data<float>().ToArray();
    }
}

public sealed class PyTorchCheckpointTests
{
    [Fact]
    public void Pytorch_model_bin_loads_to_the_same_vectors_as_safetensors()
    {
        var folder = TinyBert.WriteFolder(TinyBert.TempFolder("bin"));
        try
        {
            var options = new EncoderOptions { Device = "cpu", Precision = "fp32" };
            string[] texts = ["the cat sat on the mat.", "blog posts"];
            float[][] expected;
            using (var encoder = SentenceEncoder.FromFolder(folder, options))
            {
                expected = encoder.Encode(texts);
            }
            var tensors = SafeTensors.Load(Path.Combine(folder, CheckpointLoader.SafeTensorsFile));
            try
            {
                // torch.save's zip layout, written by TorchSharp.PyBridge's pickler, with the usual "bert." prefix.
                TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(Path.Combine(folder, CheckpointLoader.PyTorchFile),
                    tensors.ToDictionary(p => "bert." + p.Key, p => p.Value));
            }
            finally
            {
                foreach (var tensor in tensors.Values)
                {
                    tensor.Dispose();
                }
            }
            File.Delete(Path.Combine(folder, CheckpointLoader.SafeTensorsFile));

            using var fromBin = SentenceEncoder.FromFolder(folder, options);
            var actual = fromBin.Encode(texts);

            Assert.Equal(expected, actual);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
