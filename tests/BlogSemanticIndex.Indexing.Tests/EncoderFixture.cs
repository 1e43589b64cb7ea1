using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.TestSupport.Encoding;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// The real builtin MiniLM on the CPU, loaded once for every test class in the collection (about 1-2 s), imported into the
/// folder the encoder tests use so a machine imports it once.
/// </summary>
public sealed class EncoderFixture : IDisposable
{
    public EncoderFixture()
    {
        (Encoder, _) = TestEncoders.LoadBuiltinMiniLm();
        ChunkEncoder = new SentenceEncoderAdapter(Encoder);
        TokenSpans = new WordPieceTokenSpans(Encoder.Tokenizer);
    }

    public SentenceEncoder Encoder { get; }

    public IChunkEncoder ChunkEncoder { get; }

    public WordPieceTokenSpans TokenSpans { get; }

    public void Dispose() => Encoder.Dispose();
}

/// <summary>Every class that needs the encoder shares one; the collection also keeps them from running in parallel (two cores).</summary>
[CollectionDefinition(Name)]
public sealed class EncoderCollectionDefinition : ICollectionFixture<EncoderFixture>
{
    public const string Name = "MiniLM encoder";
}
