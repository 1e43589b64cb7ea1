using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.Embedding.Modeling;

namespace BlogSemanticIndex.Embedding.Tests;

[Collection(MiniLmCollectionDefinition.Name)]
public sealed class SentenceEncoderTests(MiniLmFixture fixture)
{
    [Fact]
    public void Batched_encoding_returns_input_order_and_the_one_at_a_time_vectors()
    {
        var texts = TestData.VariedTexts().Where((_, i) => i % 5 == 0).Take(40).ToList();
        var options = new EncoderOptions { Device = "cpu", Precision = "fp32", MaxTokensPerBatch = 1024 };
        using var encoder = SentenceEncoder.FromFolder(fixture.Folder.Folder, options);
        var ids = texts.Select(encoder.Tokenize).ToList();
        Assert.True(SentenceEncoder.PlanBatches(ids, 1024).Count > 3, "the texts should span several batches");

        var batched = encoder.Encode(texts);

        for (var i = 0; i < texts.Count; i++)
        {
            var single = encoder.Encode([texts[i]])[0];
            var maxDifference = batched[i].Zip(single, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(maxDifference <= 1e-5, $"text {i}: max difference {maxDifference}");
        }
    }

    [Fact]
    public void Batches_respect_the_token_budget_and_cover_every_text_once()
    {
        var random = new Random(3);
        var ids = Enumerable.Range(0, 500).Select(_ => new int[2 + random.Next(255)]).ToList();

        var batches = SentenceEncoder.PlanBatches(ids, 2048);

        Assert.Equal(Enumerable.Range(0, 500), batches.SelectMany(b => b).Order());
        Assert.All(batches, b => Assert.True(b.Length * b.Max(i => ids[i].Length) <= 2048));
        var lengths = batches.SelectMany(b => b).Select(i => ids[i].Length).ToList();
        Assert.Equal(lengths.OrderDescending(), lengths);
    }

    [Fact]
    public void A_long_text_gets_a_batch_of_its_own_while_texts_of_similar_length_share_one()
    {
        int[] Text(int length) => new int[length];
        // Seven short queries and one pasted paragraph: padded together they would be 8 × 256 rows.
        List<int[]> ids = [Text(12), Text(9), Text(256), Text(14), Text(10), Text(11), Text(13), Text(12)];

        var batches = SentenceEncoder.PlanBatches(ids, 4096);

        Assert.Equal(2, batches.Count);
        Assert.Equal([2], batches[0]);
        Assert.Equal([0, 1, 3, 4, 5, 6, 7], batches[1].Order());
        // Lengths that differ a little are not worth another forward pass.
        Assert.Single(SentenceEncoder.PlanBatches([Text(8), Text(20), Text(14), Text(30)], 4096));
    }

    [SkippableFact]
    public void Bf16_on_this_cpu_stays_within_cosine_0_999_of_fp32()
    {
        Skip.IfNot(DeviceSelection.CpuSupportsBf16, "this CPU has neither AVX512-BF16 nor AMX; bf16 is refused on it.");
        var texts = TestData.VariedTexts().Take(80).ToList();
        using var bf16 = SentenceEncoder.FromFolder(fixture.Folder.Folder, new EncoderOptions { Device = "cpu", Precision = "bf16" });
        Assert.Equal("bf16", bf16.Info.Precision);

        var low = bf16.Encode(texts);
        var full = fixture.Encoder.Encode(texts);

        var worst = Enumerable.Range(0, texts.Count).Min(i => VectorMath.Cosine(low[i], full[i]));
        Assert.True(worst >= 0.999, $"min cosine {worst}");
    }

    [Fact]
    public void Fp16_on_the_cpu_is_refused_with_the_alternatives()
    {
        var error = Assert.Throws<NotSupportedException>(() =>
            SentenceEncoder.FromFolder(fixture.Folder.Folder, new EncoderOptions { Device = "cpu", Precision = "fp16" }));
        Assert.Contains("fp16 needs a CUDA device", error.Message);
        Assert.Contains("fp32", error.Message);
    }

    [Fact]
    public void Model_info_describes_the_builtin_model()
    {
        var info = fixture.Encoder.Info;

        Assert.Equal(BuiltinModel.MiniLm.ModelId, info.Name);
        Assert.StartsWith("onnx-sha256:", info.Revision);
        Assert.Equal(384, info.Dimensions);
        Assert.Equal(256, info.MaxTokens);
        Assert.Equal(6, info.Layers);
        Assert.Equal(12, info.Heads);
        Assert.Equal("mean", info.Pooling);
        Assert.True(info.Normalized);
        Assert.Equal("cpu", info.Device);
        Assert.Equal("fp32", info.Precision);
    }

    [Fact]
    public void Builtin_import_recovers_the_minilm_config_from_the_onnx_graph()
    {
        var config = BertConfig.Load(Path.Combine(fixture.Folder.Folder, "config.json"));

        Assert.Equal(new BertConfig
        {
            VocabSize = 30522, HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536,
            MaxPositionEmbeddings = 512, TypeVocabSize = 2, LayerNormEps = config.LayerNormEps, HiddenAct = "gelu",
        }, config);
        Assert.InRange(config.LayerNormEps, 0.99e-12, 1.01e-12);
        Assert.True(File.Exists(Path.Combine(fixture.Folder.Folder, "1_Pooling", "config.json")));
        Assert.Contains("\"do_lower_case\": true", File.ReadAllText(Path.Combine(fixture.Folder.Folder, "tokenizer_config.json")));
        // A second call finds the finished import instead of redoing it.
        Assert.Equal(fixture.Folder, BuiltinModel.MiniLm.EnsureImported(fixture.Folder.Folder));
    }

    [Fact]
    public void Query_prefix_is_prepended_to_queries_only()
    {
        var options = new EncoderOptions { Device = "cpu", Precision = "fp32", QueryPrefix = "query: " };
        using var encoder = SentenceEncoder.FromFolder(fixture.Folder.Folder, options);

        var query = encoder.EncodeQuery("bread recipe");
        var prefixed = encoder.Encode(["query: bread recipe"])[0];

        Assert.Equal(prefixed, query);
    }
}
