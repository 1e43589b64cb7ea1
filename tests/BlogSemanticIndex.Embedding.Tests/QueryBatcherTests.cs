namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>Concurrent queries through one <see cref="QueryBatcher"/>, on the builtin arctic-xs (a model with a query prefix).</summary>
[Collection(ArcticXsCollectionDefinition.Name)]
public sealed class QueryBatcherTests(ArcticXsFixture fixture)
{
    [Fact]
    public void Concurrent_callers_each_get_their_own_querys_vector_with_the_prefix_applied()
    {
        var queries = TestData.VariedTexts().Where((_, i) => i % 7 == 0).Take(24).Select(t => t.Length > 120 ? t[..120] : t).ToList();
        var expected = queries.Select(fixture.Encoder.EncodeQuery).ToList();
        var batcher = new QueryBatcher(fixture.Encoder, maxBatch: 5);
        var results = new float[queries.Count][];
        using var start = new Barrier(8);

        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = t; i < queries.Count; i += 8)
            {
                results[i] = batcher.EncodeQuery(queries[i]);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        for (var i = 0; i < queries.Count; i++)
        {
            Assert.True(VectorMath.Cosine(expected[i], results[i]) >= 0.99999, $"query {i}: cosine {VectorMath.Cosine(expected[i], results[i])}");
        }
        // The prefix is applied once: a query's vector is not the document vector of the same text.
        Assert.True(VectorMath.Cosine(fixture.Encoder.Encode([queries[0]])[0], results[0]) < 0.9999);
    }
}
