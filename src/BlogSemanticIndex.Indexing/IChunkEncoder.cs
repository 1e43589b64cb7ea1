using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Tokenization;

namespace BlogSemanticIndex.Indexing;

/// <summary>
/// What the indexer needs of the encoder: its identity (vectors of different name/revision pairs are never mixed) and
/// document vectors. <see cref="SentenceEncoderAdapter"/> is the product's; tests wrap it to inject failures.
/// </summary>
public interface IChunkEncoder
{
    string Name { get; }

    string Revision { get; }

    int Dimensions { get; }

    /// <summary>One vector per text, in input order. Long calls should observe <paramref name="cancellationToken"/>.</summary>
    float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken);

    /// <summary>How much of <paramref name="text"/> the encoder reads, by script (stored per chunk).</summary>
    CoverageReport MeasureCoverage(string text);
}

/// <summary>The loaded <see cref="SentenceEncoder"/> as an <see cref="IChunkEncoder"/>; the encoder is not owned.</summary>
public sealed class SentenceEncoderAdapter(SentenceEncoder encoder) : IChunkEncoder
{
    private readonly EncoderCoverage _coverage = new(encoder.Tokenizer);

    public string Name => encoder.Info.Name;

    public string Revision => encoder.Info.Revision;

    public int Dimensions => encoder.Info.Dimensions;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken) => encoder.Encode(texts, cancellationToken);

    public CoverageReport MeasureCoverage(string text) => _coverage.Measure(text);
}
