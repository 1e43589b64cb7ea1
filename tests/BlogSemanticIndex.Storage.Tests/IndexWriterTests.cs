using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Storage.Tests;

public sealed class IndexWriterTests : IAsyncLifetime
{
    private TestIndexDatabase _database = null!;
    private IndexWriter _writer = null!;
    private EncoderModelRecord _model = null!;

    public async Task InitializeAsync()
    {
        _database = await TestIndexDatabase.CreateAsync();
        _writer = new IndexWriter(_database.DataSource);
        _model = await _writer.RegisterModelAsync("test-encoder", "r1", 3);
    }

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task Writing_the_same_batch_twice_leaves_the_same_rows()
    {
        var post = Post(1, "hello world", "second chunk");
        var vectors = Vectors(post);

        await _writer.WriteBatchAsync(_model, [post], vectors, [], [], "blog", new IndexWatermark(100, 1));
        await _writer.WriteBatchAsync(_model, [post], vectors, [], [], "blog", new IndexWatermark(100, 1));

        Assert.Equal(1L, await CountAsync("posts"));
        Assert.Equal(2L, await CountAsync("chunks"));
        Assert.Equal(2L, await CountAsync("chunk_embeddings"));
        Assert.Equal(new IndexWatermark(100, 1), await _writer.ReadWatermarkAsync("blog"));
    }

    [Fact]
    public async Task Removing_a_post_removes_its_chunks_and_vectors()
    {
        var keep = Post(1, "keep me");
        var drop = Post(2, "drop me", "and me");
        await _writer.WriteBatchAsync(_model, [keep, drop], Vectors(keep, drop), [], [], "blog", null);

        await _writer.WriteBatchAsync(_model, [], new Dictionary<string, float[]>(), [2], [], "blog", null);

        Assert.Equal([1L], (await _writer.ReadPostStampsAsync()).Keys);
        Assert.Equal(1L, await CountAsync("chunk_embeddings"));
    }

    [Fact]
    public async Task Stored_vectors_are_found_by_text_hash_for_reuse()
    {
        var post = Post(1, "unchanged text", "edited text");
        await _writer.WriteBatchAsync(_model, [post], Vectors(post), [], [], "blog", null);

        var found = await _writer.FindEmbeddingsAsync(_model.Id, [Hash("unchanged text"), Hash("brand new text")]);

        var vector = Assert.Single(found);
        Assert.Equal(Convert.ToHexString(Hash("unchanged text")), vector.Key);
        Assert.Equal(Vector("unchanged text"), vector.Value);
    }

    [Fact]
    public async Task A_failing_batch_writes_nothing_and_keeps_the_watermark()
    {
        var good = Post(1, "fine");
        var missingVector = Post(2, "no vector for this one");
        await _writer.WriteBatchAsync(_model, [good], Vectors(good), [], [], "blog", new IndexWatermark(10, 1));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _writer.WriteBatchAsync(_model, [good, missingVector], Vectors(good), [], [], "blog", new IndexWatermark(20, 2)));

        Assert.Equal([1L], (await _writer.ReadPostStampsAsync()).Keys);
        Assert.Equal(new IndexWatermark(10, 1), await _writer.ReadWatermarkAsync("blog"));
    }

    [Fact]
    public async Task A_skipped_post_is_recorded_with_its_reason_and_leaves_the_index()
    {
        var post = Post(7, "was fine once");
        await _writer.WriteBatchAsync(_model, [post], Vectors(post), [], [], "blog", null);

        await _writer.WriteBatchAsync(_model, [], new Dictionary<string, float[]>(), [], [new SkippedPost(7, DateTimeOffset.UtcNow, "no text left after cleaning")], "blog", null);

        Assert.Empty(await _writer.ReadPostStampsAsync());
        Assert.Equal(1L, await CountAsync("skipped_posts"));
    }

    [Fact]
    public async Task A_model_cannot_change_its_dimension()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _writer.RegisterModelAsync("test-encoder", "r1", 4));
    }

    [Fact]
    public async Task Activating_a_new_model_drops_the_old_models_vectors()
    {
        var post = Post(1, "text");
        await _writer.WriteBatchAsync(_model, [post], Vectors(post), [], [], "blog", null);
        await _writer.ActivateModelAsync(_model);
        var next = await _writer.RegisterModelAsync("test-encoder", "r2", 3);

        await _writer.ActivateModelAsync(next);

        Assert.Equal(next, await _writer.GetActiveModelAsync());
        Assert.Equal(0L, await CountAsync("chunk_embeddings"));
    }

    private static PostRecord Post(long cid, params string[] chunkTexts)
    {
        var offset = 0;
        var chunks = chunkTexts.Select((text, i) =>
        {
            var chunk = new ChunkRecord(i, text, offset, offset + text.Length, text.Split(' ').Length, Hash(text));
            offset += text.Length + 1;
            return chunk;
        }).ToList();
        return new PostRecord(cid, "post", $"Post {cid}", $"post-{cid}", DateTimeOffset.UnixEpoch.AddDays(cid),
            DateTimeOffset.UnixEpoch.AddDays(cid + 1), Hash(string.Join("\n", chunkTexts)), chunks);
    }

    private static Dictionary<string, float[]> Vectors(params PostRecord[] posts) =>
        posts.SelectMany(p => p.Chunks).ToDictionary(c => Convert.ToHexString(c.TextHash), c => Vector(c.Text));

    private static float[] Vector(string text) => [text.Length, text[0], 1f];

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    private async Task<long> CountAsync(string table)
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT count(*) FROM {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
