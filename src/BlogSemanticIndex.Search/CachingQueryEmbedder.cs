using BlogSemanticIndex.Tokenization;
using Microsoft.Extensions.Caching.Memory;

namespace BlogSemanticIndex.Search;

/// <summary>
/// Query vectors kept by (model, revision, query with runs of spaces collapsed), least recently used out first, so a
/// repeated query (blog search logs are Zipf-shaped) skips the encoder, most of a search's CPU.
/// </summary>
/// <remarks>
/// The raw vector is kept, not the whitened one: whitening is a matrix product of a fraction of a millisecond done per
/// search, so a new whitening version needs no new entries. A vector depends only on the model, its revision and the
/// text (the query prefix is part of the model's configuration), so entries never go stale; a model switch makes new keys.
/// </remarks>
public sealed class CachingQueryEmbedder(IQueryEmbedder inner, int capacity) : IQueryEmbedder, IDisposable
{
    private readonly MemoryCache _vectors = new(new MemoryCacheOptions { SizeLimit = capacity, CompactionPercentage = 0.1 });

    private readonly record struct Key(string Model, string Revision, string Query);

    public string ModelName => inner.ModelName;

    public string ModelRevision => inner.ModelRevision;

    public float[] EmbedQuery(string query)
    {
        var key = new Key(inner.ModelName, inner.ModelRevision, Whitespace.Collapse(query));
        if (_vectors.TryGetValue(key, out float[]? vector))
        {
            SearchMetrics.QueryVectorCacheHits.Add(1);
            return vector!;
        }
        vector = inner.EmbedQuery(query);
        _vectors.Set(key, vector, new MemoryCacheEntryOptions { Size = 1 });
        return vector;
    }

    public CoverageReport MeasureCoverage(string query) => inner.MeasureCoverage(query);

    public void Dispose() => _vectors.Dispose();
}
