using BlogSemanticIndex.Sources.Tests;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// A test class whose tests each get a fresh SQLite Typecho blog and index schema (the engine does not matter to what
/// they show; <see cref="IndexerContract"/> covers the three engines).
/// </summary>
[Collection(EncoderCollectionDefinition.Name)]
public abstract class SqliteBlogTests(EncoderFixture encoder) : IAsyncLifetime
{
    protected static readonly long T = IndexerHarness.T;

    private protected IndexerHarness H { get; private set; } = null!;

    protected EncoderFixture Encoder => encoder;

    public async Task InitializeAsync()
    {
        H = await IndexerHarness.CreateAsync(encoder, await SqliteTestDatabase.CreateAsync());
        await SeedAsync();
    }

    /// <summary>The blog's posts before each test.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await H.DisposeAsync();
}
