using BlogSemanticIndex.Sources;
using BlogSemanticIndex.Sources.Tests;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;
using BlogSemanticIndex.Text;
using BlogSemanticIndex.Whitening;
using Npgsql;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// One test's world: a Typecho schema of its own on one engine, an index schema of its own in PostgreSQL, a clock the
/// test moves, and indexers wired to them with the real encoder.
/// </summary>
internal sealed class IndexerHarness : IAsyncDisposable
{
    // Typecho stores unix seconds; a fixed clock makes "future" and "now" exact.
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly long T = Now.ToUnixTimeSeconds();

    private readonly List<ITypechoSource> _sources = [];
    private readonly List<PostIndexer> _indexers = [];

    private IndexerHarness(TypechoTestDatabase blog, TestIndexDatabase index, EncoderFixture encoder)
    {
        Blog = blog;
        Index = index;
        Encoder = encoder;
    }

    public TypechoTestDatabase Blog { get; }
    public TestIndexDatabase Index { get; }
    public EncoderFixture Encoder { get; }
    public ManualTimeProvider Clock { get; } = new(Now);
    public ListLoggerFactory Logs { get; } = new();

    public static async Task<IndexerHarness> CreateAsync(EncoderFixture encoder, TypechoTestDatabase blog)
    {
        await blog.CreateSchemaAsync();
        return new IndexerHarness(blog, await TestIndexDatabase.CreateAsync(), encoder);
    }

    /// <summary>Small pages and short retry delays, so paging and retries happen within a test's few posts and seconds.</summary>
    public static IndexerOptions TestOptions(int pageSize = 2) => new()
    {
        PageSize = pageSize,
        EmbedBatchSize = 8,
        RetryAttempts = 10,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    public PostIndexer CreateIndexer(IndexerOptions? options = null, IChunkEncoder? encoder = null, NpgsqlDataSource? indexDataSource = null,
        WhiteningStore? whitening = null)
    {
        var source = TypechoSourceFactory.Create(Blog.Options(), Clock);
        _sources.Add(source);
        var dataSource = indexDataSource ?? Index.DataSource;
        var indexer = new PostIndexer(source, new IndexWriter(dataSource), dataSource, encoder ?? Encoder.ChunkEncoder,
            new PostTextExtractor(), new Chunker(Encoder.TokenSpans), options ?? TestOptions(), whitening is null ? null : [whitening], logger: Logs.CreateLogger<PostIndexer>());
        _indexers.Add(indexer);
        return indexer;
    }

    public Task<IndexRunResult> PollAsync(IndexerOptions? options = null) => CreateIndexer(options).RunOnceAsync();

    public Task InsertPostAsync(long cid, string title, string body, long created, long? modified = null, string status = "publish",
        string type = "post", string? password = null) =>
        Blog.InsertPostAsync(new TestPost(cid, title, created, modified ?? created, type, status, password, body));

    public async Task<IReadOnlyList<long>> IndexedCidsAsync() =>
        await QueryAsync("SELECT cid FROM posts ORDER BY cid", r => r.GetInt64(0));

    public async Task<IReadOnlyDictionary<long, string>> SkippedAsync() =>
        (await QueryAsync("SELECT cid, reason FROM skipped_posts", r => (r.GetInt64(0), r.GetString(1)))).ToDictionary(x => x.Item1, x => x.Item2);

    /// <summary>Every stored vector row: which chunk, post, position, text hash and model, and the row version (xmin) that a rewrite changes.</summary>
    public async Task<IReadOnlyList<EmbeddingRow>> EmbeddingRowsAsync() => await QueryAsync("""
        SELECT e.chunk_id, c.cid, c.ordinal, encode(e.text_hash, 'hex'), e.model_id, e.xmin::text
        FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id ORDER BY c.cid, c.ordinal, e.model_id
        """, r => new EmbeddingRow(r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), r.GetString(3), r.GetInt32(4), r.GetString(5)));

    public async Task<long> CountAsync(string table) =>
        (await QueryAsync($"SELECT count(*) FROM {table}", r => r.GetInt64(0)))[0];

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var command = Index.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var indexer in _indexers)
        {
            indexer.Dispose();
        }
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }
        await Index.DisposeAsync();
        await Blog.DisposeAsync();
    }
}

internal sealed record EmbeddingRow(long ChunkId, long Cid, int Ordinal, string TextHash, int ModelId, string RowVersion);
