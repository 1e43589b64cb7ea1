using BlogSemanticIndex.Sources.Tests;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// What a poll must do on every engine, each test with a fresh Typecho schema and index schema: after one poll the
/// index holds exactly the posts a visitor can see, and a post nobody changed is never embedded again.
/// </summary>
[Collection(EncoderCollectionDefinition.Name)]
public abstract class IndexerContract(EncoderFixture encoder) : IAsyncLifetime
{
    private const long Day = 86_400;
    private static readonly long T = IndexerHarness.T;

    private protected IndexerHarness H { get; private set; } = null!;

    private protected abstract Task<TypechoTestDatabase> CreateBlogAsync();

    public async Task InitializeAsync()
    {
        H = await IndexerHarness.CreateAsync(encoder, await CreateBlogAsync());
        // Visible: 1, 2, 3. Every other row is something a visitor must never find.
        await H.InsertPostAsync(1, "Semantic search for Typecho", "<!--markdown-->## Why\n\nBecause **keywords** miss synonyms.", T - 10 * Day, T - 5 * Day);
        await H.InsertPostAsync(2, "你好，世界", "<p>第一篇文章，关于向量检索。</p>", T - 9 * Day, T - 4 * Day);
        await H.InsertPostAsync(3, "Empty password is no password", "<!--markdown-->Open to everyone.", T - 8 * Day, T - 3 * Day, password: "");
        await H.InsertPostAsync(4, "Draft of a new post", "<!--markdown-->Not yet.", T - 8 * Day, T - 3 * Day + 1, type: "post_draft");
        await H.InsertPostAsync(5, "Status draft", "<!--markdown-->Not yet.", T - 8 * Day, T - 3 * Day + 2, status: "draft");
        await H.InsertPostAsync(6, "Private notes", "<!--markdown-->Only for me.", T - 8 * Day, T - 3 * Day + 3, status: "private");
        await H.InsertPostAsync(7, "Hidden", "<!--markdown-->Hidden post.", T - 8 * Day, T - 3 * Day + 4, status: "hidden");
        await H.InsertPostAsync(8, "Waiting for review", "<!--markdown-->A guest post.", T - 8 * Day, T - 3 * Day + 5, status: "waiting");
        await H.InsertPostAsync(9, "Password protected", "<!--markdown-->Secret.", T - 8 * Day, T - 3 * Day + 6, password: "secret");
        await H.InsertPostAsync(10, "Scheduled", "<!--markdown-->Tomorrow's news.", T + 3600, T - Day);
        await H.InsertPostAsync(11, "About", "<!--markdown-->A page.", T - 7 * Day, T - 2 * Day, type: "page");
        await H.Blog.InsertMetaAsync(1, "Programming", "category");
        await H.Blog.InsertMetaAsync(2, "search", "tag");
        await H.Blog.RelateAsync(1, 1);
        await H.Blog.RelateAsync(1, 2);
    }

    public async Task DisposeAsync() => await H.DisposeAsync();

    [Fact]
    public async Task One_poll_indexes_exactly_the_visible_posts_with_a_vector_for_every_chunk()
    {
        var result = await H.PollAsync();

        Assert.Equal([1L, 2L, 3L], await H.IndexedCidsAsync());
        Assert.Equal(3, result.PostsWritten);
        var rows = await H.EmbeddingRowsAsync();
        Assert.Equal(await H.CountAsync("chunks"), rows.Count);
        Assert.Equal(rows.Select(r => r.TextHash).Distinct().Count(), result.ChunksEmbedded);
        Assert.Empty(await H.SkippedAsync());
        // Categories and tags are part of the indexed text.
        var first = await H.QueryAsync("SELECT text FROM chunks WHERE cid = 1 AND ordinal = 0", r => r.GetString(0));
        Assert.Contains("Programming", first[0]);
        Assert.Contains("keywords miss synonyms", first[0]);
    }

    [Fact]
    public async Task A_second_poll_without_changes_embeds_nothing_and_leaves_the_vector_rows_untouched()
    {
        await H.PollAsync();
        var before = await H.EmbeddingRowsAsync();

        var second = await H.PollAsync();

        Assert.Equal(0, second.ChunksEmbedded);
        Assert.Equal(0, second.PostsWritten);
        Assert.Equal(0, second.Batches);
        Assert.Equal(before, await H.EmbeddingRowsAsync());
    }

    [Fact]
    public async Task An_edit_is_indexed_in_one_poll_and_only_the_changed_text_is_embedded()
    {
        await H.PollAsync();
        var before = await H.EmbeddingRowsAsync();

        await H.Blog.UpdatePostAsync(2, $"{H.Blog.Q("text")} = @text, {H.Blog.Q("modified")} = @modified",
            ("text", "<p>第二版：讲混合检索。</p>"), ("modified", T - 100));
        var result = await H.PollAsync();

        Assert.Equal(1, result.PostsWritten);
        Assert.True(result.ChunksEmbedded >= 1);
        var after = await H.EmbeddingRowsAsync();
        Assert.Equal(before.Where(r => r.Cid != 2), after.Where(r => r.Cid != 2));
        Assert.DoesNotContain(after.Where(r => r.Cid == 2).Select(r => r.TextHash), before.Select(r => r.TextHash).ToHashSet().Contains);
        var text = await H.QueryAsync("SELECT text FROM chunks WHERE cid = 2", r => r.GetString(0));
        Assert.Contains("混合检索", string.Concat(text));
    }

    [Theory]
    [InlineData("hidden")]
    [InlineData("private")]
    [InlineData("waiting")]
    [InlineData("draft")]
    [InlineData("password")]
    [InlineData("future")]
    [InlineData("delete")]
    [InlineData("private, modified untouched")]
    public async Task A_post_that_stops_being_visible_leaves_the_index_within_one_poll(string change)
    {
        await H.PollAsync();
        Assert.Contains(2L, await H.IndexedCidsAsync());

        var status = H.Blog.Q("status");
        var modified = H.Blog.Q("modified");
        switch (change)
        {
            case "delete":
                await H.Blog.DeletePostAsync(2);
                break;
            case "password":
                await H.Blog.UpdatePostAsync(2, $"{H.Blog.Q("password")} = 'pw', {modified} = @m", ("m", T - 100));
                break;
            case "future":
                await H.Blog.UpdatePostAsync(2, $"{H.Blog.Q("created")} = @c, {modified} = @m", ("c", T + Day), ("m", T - 100));
                break;
            case "private, modified untouched":
                // A change made behind Typecho's back: only the reconciliation pass can see it.
                await H.Blog.UpdatePostAsync(2, $"{status} = 'private'");
                break;
            default:
                await H.Blog.UpdatePostAsync(2, $"{status} = @s, {modified} = @m", ("s", change), ("m", T - 100));
                break;
        }
        var result = await H.PollAsync();

        Assert.Equal([1L, 3L], await H.IndexedCidsAsync());
        Assert.Equal(1, result.PostsRemoved);
        Assert.Equal(0, result.ChunksEmbedded);
        Assert.DoesNotContain(await H.EmbeddingRowsAsync(), r => r.Cid == 2);
    }

    [Fact]
    public async Task A_scheduled_post_enters_when_its_time_comes()
    {
        await H.PollAsync();
        Assert.DoesNotContain(10L, await H.IndexedCidsAsync());

        H.Clock.Advance(TimeSpan.FromHours(2));
        var result = await H.PollAsync();

        Assert.Equal([1L, 2L, 3L, 10L], await H.IndexedCidsAsync());
        Assert.Equal(1, result.PostsWritten);
    }

    [Fact]
    public async Task A_new_post_and_a_private_post_made_public_enter_in_one_poll()
    {
        await H.PollAsync();

        await H.InsertPostAsync(20, "A new post", "<!--markdown-->Fresh words about pgvector.", T - 50);
        await H.Blog.UpdatePostAsync(6, $"{H.Blog.Q("status")} = 'publish', {H.Blog.Q("modified")} = @m", ("m", T - 40));
        var result = await H.PollAsync();

        Assert.Equal([1L, 2L, 3L, 6L, 20L], await H.IndexedCidsAsync());
        Assert.Equal(2, result.PostsWritten);
    }
}

public sealed class MariaDbIndexerTests(EncoderFixture encoder) : IndexerContract(encoder)
{
    private protected override async Task<TypechoTestDatabase> CreateBlogAsync() => await MySqlTestDatabase.CreateAsync();
}

public sealed class PostgresIndexerTests(EncoderFixture encoder) : IndexerContract(encoder)
{
    private protected override async Task<TypechoTestDatabase> CreateBlogAsync() => await PostgresTestDatabase.CreateAsync();
}

public sealed class SqliteIndexerTests(EncoderFixture encoder) : IndexerContract(encoder)
{
    private protected override async Task<TypechoTestDatabase> CreateBlogAsync() => await SqliteTestDatabase.CreateAsync();
}
