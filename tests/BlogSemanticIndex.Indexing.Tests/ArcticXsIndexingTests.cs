using System.Numerics.Tensors;
using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.TestSupport.Encoding;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// Switching an existing MiniLM index to builtin:arctic-xs through the real pipeline: a model change that re-embeds
/// every chunk, and chunks embedded as documents, without the query instruction.
/// </summary>
public sealed class ArcticXsIndexingTests(EncoderFixture encoder) : SqliteBlogTests(encoder)
{
    protected override async Task SeedAsync()
    {
        await H.InsertPostAsync(1, "Vitamin D", "<!--markdown-->Vitamin D supplements and the risk of hip fractures in older adults.", T - 900);
        await H.InsertPostAsync(2, "新词发现", "<!--markdown-->新词发现算法从语料中找出词典里没有的词。", T - 800);
        await H.PollAsync();
    }

    [Fact]
    public async Task Switching_to_arctic_re_embeds_every_chunk_as_a_document_without_the_query_prefix()
    {
        var before = await H.EmbeddingRowsAsync();
        var (arctic, _) = TestEncoders.LoadBuiltin(BuiltinModel.ArcticXs);
        using var _ = arctic;
        Assert.NotEmpty(arctic.QueryPrefix);

        var result = await H.CreateIndexer(encoder: new SentenceEncoderAdapter(arctic)).RunOnceAsync();

        Assert.True(result.ModelChanged);
        Assert.Equal(before.Select(r => r.TextHash).Distinct().Count(), result.ChunksEmbedded);
        var stored = await H.QueryAsync("""
            SELECT c.text, e.embedding::real[] FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id
            JOIN encoder_models m ON m.id = e.model_id JOIN active_index a ON a.model_id = m.id
            WHERE m.name = 'builtin:arctic-xs' ORDER BY c.cid, c.ordinal
            """, r => (Text: r.GetString(0), Vector: r.GetFieldValue<float[]>(1)));
        Assert.Equal(before.Count, stored.Count);
        foreach (var (text, vector) in stored)
        {
            Assert.True(TensorPrimitives.CosineSimilarity(vector, arctic.Encode([text])[0]) >= 0.99999f, $"'{text}' is not stored as its document vector");
            Assert.True(TensorPrimitives.CosineSimilarity(vector, arctic.EncodeQuery(text)) < 0.99f, $"'{text}' was embedded with the query prefix");
        }
    }
}
