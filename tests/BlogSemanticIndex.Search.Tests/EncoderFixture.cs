using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.TestSupport.Encoding;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>The real builtin MiniLM on the CPU, loaded once for the collection (the encoder tests' folder, imported once per machine).</summary>
public sealed class EncoderFixture : IDisposable
{
    public EncoderFixture()
    {
        (Encoder, _) = TestEncoders.LoadBuiltinMiniLm();
        Embedder = new SentenceEncoderQueryEmbedder(Encoder);
    }

    public SentenceEncoder Encoder { get; }

    public IQueryEmbedder Embedder { get; }

    public void Dispose() => Encoder.Dispose();
}

/// <summary>Classes that need the encoder share one; the collection also keeps them from running in parallel (two cores).</summary>
[CollectionDefinition(Name)]
public sealed class EncoderCollectionDefinition : ICollectionFixture<EncoderFixture>
{
    public const string Name = "MiniLM encoder";
}
