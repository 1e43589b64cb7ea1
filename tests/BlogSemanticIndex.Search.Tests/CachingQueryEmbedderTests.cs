using BlogSemanticIndex.Tokenization;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>The query vector cache: a repeated query skips the encoder; another model or revision never gets a stale vector.</summary>
public sealed class CachingQueryEmbedderTests
{
    /// <summary>Counts its calls; the vector says which model made it from which text.</summary>
    private sealed class CountingEmbedder : IQueryEmbedder
    {
        public int Calls { get; private set; }

        public string ModelName { get; set; } = "m";

        public string ModelRevision { get; set; } = "1";

        public float[] EmbedQuery(string query)
        {
            Calls++;
            return [query.Length, ModelName.Length, ModelRevision.Length];
        }

        public CoverageReport MeasureCoverage(string query) => new([]);
    }

    [Fact]
    public void A_repeated_query_is_embedded_once_and_spacing_does_not_matter()
    {
        var inner = new CountingEmbedder();
        using var cache = new CachingQueryEmbedder(inner, 100);

        var first = cache.EmbedQuery("pgvector recall");
        Assert.Same(first, cache.EmbedQuery("pgvector recall"));
        Assert.Same(first, cache.EmbedQuery("  pgvector   recall "));
        Assert.Equal(1, inner.Calls);
        cache.EmbedQuery("pgvector Recall");
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public void Another_model_or_revision_embeds_again()
    {
        var inner = new CountingEmbedder();
        using var cache = new CachingQueryEmbedder(inner, 100);
        cache.EmbedQuery("query");

        inner.ModelRevision = "2";
        Assert.Equal([5, 1, 1], cache.EmbedQuery("query"));
        inner.ModelName = "other";
        Assert.Equal([5, 5, 1], cache.EmbedQuery("query"));
        Assert.Equal(3, inner.Calls);
    }
}
