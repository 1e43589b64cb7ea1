using BlogSemanticIndex.Embedding;

namespace BlogSemanticIndex.Search;

/// <summary>Turns a query into a raw encoder vector (before whitening), and says which encoder it is.</summary>
public interface IQueryEmbedder
{
    string ModelName { get; }

    string ModelRevision { get; }

    /// <summary>The query's raw vector, with the configured query prefix applied. Safe to call concurrently.</summary>
    float[] EmbedQuery(string query);
}

/// <summary>The service's <see cref="SentenceEncoder"/> as a query embedder.</summary>
public sealed class SentenceEncoderQueryEmbedder(SentenceEncoder encoder) : IQueryEmbedder
{
    public string ModelName => encoder.Info.Name;

    public string ModelRevision => encoder.Info.Revision;

    public float[] EmbedQuery(string query) => encoder.EncodeQuery(query);
}
