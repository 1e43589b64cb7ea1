using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Tokenization;

namespace BlogSemanticIndex.Search;

/// <summary>Turns a query into a raw encoder vector (before whitening), and says which encoder it is and how much of the query it reads.</summary>
public interface IQueryEmbedder
{
    string ModelName { get; }

    string ModelRevision { get; }

    /// <summary>The query's raw vector, with the configured query prefix applied. Safe to call concurrently.</summary>
    float[] EmbedQuery(string query);

    /// <summary>How much of the query the encoder can read (its letters by script); hybrid search weighs the semantic leg by it.</summary>
    CoverageReport MeasureCoverage(string query);
}

/// <summary>The service's <see cref="SentenceEncoder"/> as a query embedder; concurrent queries share forward passes (<see cref="QueryBatcher"/>).</summary>
public sealed class SentenceEncoderQueryEmbedder(SentenceEncoder encoder) : IQueryEmbedder
{
    private readonly EncoderCoverage _coverage = new(encoder.Tokenizer);
    private readonly QueryBatcher _batcher = new(encoder);

    public string ModelName => encoder.Info.Name;

    public string ModelRevision => encoder.Info.Revision;

    public float[] EmbedQuery(string query) => _batcher.EncodeQuery(query);

    public CoverageReport MeasureCoverage(string query) => _coverage.Measure(query);
}
