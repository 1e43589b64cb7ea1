namespace BlogSemanticIndex.Sources.Tests;

/// <summary>
/// What every engine's source must do, run against a fresh Typecho schema per test (xUnit makes a new instance, and so
/// a new database, for each test). The seed has one row of every status and type a Typecho blog produces.
/// </summary>
public abstract class TypechoSourceContract : IAsyncLifetime
{
    // Typecho stores unix seconds; the clock is fixed so "future" and "now" are exact.
    protected static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    protected static readonly long T = Now.ToUnixTimeSeconds();
    protected const long Day = 86_400;

    private protected ManualTimeProvider Clock { get; } = new(Now);
    private protected TypechoTestDatabase Database { get; private set; } = null!;
    private readonly List<ITypechoSource> _sources = [];

    private protected abstract Task<TypechoTestDatabase> CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        await Database.CreateSchemaAsync();
        await SeedAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }
        await Database.DisposeAsync();
    }

    /// <summary>Visible without pages: 1, 2, 3. With pages: also 11. Everything else never.</summary>
    private async Task SeedAsync()
    {
        TestPost[] posts =
        [
            new(1, "Semantic search for Typecho", T - 10 * Day, T - 5 * Day, Text: "<!--markdown-->## Why\n\nBecause **keywords** fail.<!--more-->Rest."),
            new(2, "你好，世界", T - 9 * Day, T - 4 * Day, Text: "<p>第一篇文章。包含表情 🎉！</p>"),
            new(3, "Empty password is no password", T - 8 * Day, T - 3 * Day, Password: ""),
            new(4, "Draft of a new post", T - 8 * Day, T - 3 * Day + 1, Type: "post_draft"),
            new(5, "Status draft", T - 8 * Day, T - 3 * Day + 2, Status: "draft"),
            new(6, "Private", T - 8 * Day, T - 3 * Day + 3, Status: "private"),
            new(7, "Hidden", T - 8 * Day, T - 3 * Day + 4, Status: "hidden"),
            new(8, "Waiting for review", T - 8 * Day, T - 3 * Day + 5, Status: "waiting"),
            new(9, "Password protected", T - 8 * Day, T - 3 * Day + 6, Password: "secret"),
            new(10, "Scheduled", T + 3600, T - 1 * Day),
            new(11, "About", T - 7 * Day, T - 2 * Day, Type: "page"),
            new(12, "Page draft", T - 7 * Day, T - 2 * Day + 1, Type: "page_draft"),
            new(13, "photo.png", T - 7 * Day, T - 2 * Day + 2, Type: "attachment", Text: "a:1:{}"),
        ];
        foreach (var post in posts)
        {
            await Database.InsertPostAsync(post);
        }
        await Database.InsertMetaAsync(1, "Programming", "category", order: 1);
        await Database.InsertMetaAsync(2, "随笔", "category", order: 2);
        await Database.InsertMetaAsync(3, "dotnet", "tag");
        await Database.InsertMetaAsync(4, "搜索", "tag");
        await Database.InsertMetaAsync(5, "中文", "tag");
        await Database.InsertMetaAsync(6, "A link", "link");
        foreach (var (cid, mid) in new[] { (1, 1), (1, 2), (1, 3), (1, 4), (1, 6), (2, 2), (2, 5), (9, 1), (11, 1) })
        {
            await Database.RelateAsync(cid, mid);
        }
    }

    private protected ITypechoSource CreateSource(bool includePages = false, string prefix = "typecho_", string? connectionString = null)
    {
        var source = TypechoSourceFactory.Create(Database.Options(prefix, includePages, connectionString), Clock);
        _sources.Add(source);
        return source;
    }

    private protected static async Task<(List<TypechoPost> Visible, List<long> NotVisible, SourceWatermark Next, int Pages)> DrainAsync(
        ITypechoSource source, SourceWatermark from, int pageSize = 100)
    {
        var visible = new List<TypechoPost>();
        var notVisible = new List<long>();
        var pages = 0;
        while (true)
        {
            var page = await source.ReadChangesAsync(from, pageSize);
            pages++;
            visible.AddRange(page.Visible);
            notVisible.AddRange(page.NotVisibleCids);
            Assert.True(pages < 1000, "the change feed does not end");
            from = page.Next;
            if (!page.HasMore)
            {
                return (visible, notVisible, from, pages);
            }
        }
    }

    [Fact]
    public async Task Visible_stamps_are_exactly_the_published_posts()
    {
        var stamps = await CreateSource().ReadVisibleStampsAsync();

        Assert.Equal([1L, 2L, 3L], stamps.Select(s => s.Cid));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T - 5 * Day), stamps[0].Modified);
    }

    [Fact]
    public async Task Pages_are_visible_only_when_configured()
    {
        var stamps = await CreateSource(includePages: true).ReadVisibleStampsAsync();

        Assert.Equal([1L, 2L, 3L, 11L], stamps.Select(s => s.Cid));
    }

    [Fact]
    public async Task Posts_come_with_fields_categories_and_tags()
    {
        var posts = await CreateSource().ReadPostsAsync([2, 1]);

        Assert.Equal([1L, 2L], posts.Select(p => p.Cid));
        var first = posts[0];
        Assert.Equal("Semantic search for Typecho", first.Title);
        Assert.Equal("post-1", first.Slug);
        Assert.Equal("post", first.Type);
        Assert.Equal("<!--markdown-->## Why\n\nBecause **keywords** fail.<!--more-->Rest.", first.Text);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T - 10 * Day), first.Created);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(T - 5 * Day), first.Modified);
        Assert.Equal(1, first.AuthorId);
        Assert.Equal(["Programming", "随笔"], first.Categories);
        Assert.Equal(["dotnet", "搜索"], first.Tags);
        Assert.Null(first.DecodingProblem);

        var second = posts[1];
        Assert.Equal("你好，世界", second.Title);
        Assert.Equal("<p>第一篇文章。包含表情 🎉！</p>", second.Text);
        Assert.Equal(["随笔"], second.Categories);
        Assert.Equal(["中文"], second.Tags);
    }

    [Fact]
    public async Task Reading_by_id_leaves_out_every_hidden_kind_of_row()
    {
        var posts = await CreateSource().ReadPostsAsync([.. Enumerable.Range(1, 20).Select(i => (long)i)]);

        Assert.Equal([1L, 2L, 3L], posts.Select(p => p.Cid));
    }

    [Fact]
    public async Task Change_feed_returns_visible_posts_and_reports_the_rest()
    {
        var source = CreateSource();

        var page = await source.ReadChangesAsync(SourceWatermark.Beginning, 100);

        Assert.False(page.HasMore);
        // Ordered by modified: 1 (T-5d), 2 (T-4d), 3 (T-3d).
        Assert.Equal([1L, 2L, 3L], page.Visible.Select(p => p.Cid));
        Assert.Equal([4L, 5L, 6L, 7L, 8L, 9L, 10L], page.NotVisibleCids.Order());
        Assert.Equal(new SourceWatermark(T - 1 * Day, 10), page.Next);

        var again = await source.ReadChangesAsync(page.Next, 100);
        Assert.Empty(again.Visible);
        Assert.Empty(again.NotVisibleCids);
        Assert.Equal(page.Next, again.Next);
    }

    [Fact]
    public async Task Change_feed_pages_through_ties_on_modified_once_each()
    {
        for (var cid = 20; cid < 27; cid++)
        {
            await Database.InsertPostAsync(new TestPost(cid, $"Tie {cid}", T - 6 * Day, T - 2 * Day));
        }
        var source = CreateSource();

        var (visible, notVisible, _, pages) = await DrainAsync(source, SourceWatermark.Beginning, pageSize: 2);

        Assert.Equal([1L, 2L, 3L, 20L, 21L, 22L, 23L, 24L, 25L, 26L], visible.Select(p => p.Cid));
        Assert.Equal(7, notVisible.Count);
        Assert.Equal(17, notVisible.Count + visible.Count);
        Assert.True(pages >= 9, $"expected at least 9 pages of 2, got {pages}");
    }

    [Fact]
    public async Task Edits_after_the_watermark_are_seen()
    {
        var source = CreateSource();
        var (_, _, watermark, _) = await DrainAsync(source, SourceWatermark.Beginning);

        await Database.UpdatePostAsync(1, $"{Database.Q("title")} = @title, {Database.Q("modified")} = @modified",
            ("title", "Semantic search, revised"), ("modified", T - 60));
        await Database.UpdatePostAsync(2, $"{Database.Q("status")} = 'private', {Database.Q("modified")} = @modified", ("modified", T - 50));
        await Database.UpdatePostAsync(3, $"{Database.Q("password")} = 'pw', {Database.Q("modified")} = @modified", ("modified", T - 40));
        var page = await source.ReadChangesAsync(watermark, 100);

        Assert.Equal("Semantic search, revised", Assert.Single(page.Visible).Title);
        Assert.Equal([2L, 3L], page.NotVisibleCids);
        Assert.Equal([1L], (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));
    }

    [Fact]
    public async Task An_edit_in_the_current_second_waits_until_that_second_is_over()
    {
        var source = CreateSource();
        var (_, _, watermark, _) = await DrainAsync(source, SourceWatermark.Beginning);
        await Database.UpdatePostAsync(1, $"{Database.Q("modified")} = @modified", ("modified", T));

        Assert.Empty((await source.ReadChangesAsync(watermark, 100)).Visible);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, Assert.Single((await source.ReadChangesAsync(watermark, 100)).Visible).Cid);
    }

    [Fact]
    public async Task Scheduled_post_enters_when_its_time_comes()
    {
        var source = CreateSource();
        var (_, notVisible, watermark, _) = await DrainAsync(source, SourceWatermark.Beginning);
        Assert.Contains(10L, notVisible);
        Assert.DoesNotContain(10L, (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));

        Clock.Advance(TimeSpan.FromSeconds(3600));
        var (visible, _, _, _) = await DrainAsync(source, watermark);
        Assert.Empty(visible);

        Clock.Advance(TimeSpan.FromSeconds(1));
        (visible, _, _, _) = await DrainAsync(source, watermark);
        Assert.Equal(10, Assert.Single(visible).Cid);
        Assert.Contains(10L, (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));
    }

    [Fact]
    public async Task Post_moved_into_the_future_leaves_at_once()
    {
        var source = CreateSource();
        var (_, _, watermark, _) = await DrainAsync(source, SourceWatermark.Beginning);

        await Database.UpdatePostAsync(1, $"{Database.Q("created")} = @created, {Database.Q("modified")} = @modified",
            ("created", T + Day), ("modified", T - 30));
        var page = await source.ReadChangesAsync(watermark, 100);

        Assert.Equal([1L], page.NotVisibleCids);
        Assert.Empty(page.Visible);
        Assert.DoesNotContain(1L, (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));
    }

    [Fact]
    public async Task Deleted_post_disappears_from_the_stamps()
    {
        var source = CreateSource();
        Assert.Contains(1L, (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));

        await Database.DeletePostAsync(1);

        Assert.Equal([2L, 3L], (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));
        Assert.Empty(await source.ReadPostsAsync([1]));
    }

    [Fact]
    public async Task Verify_access_passes_on_a_typecho_schema()
    {
        await CreateSource().VerifyAccessAsync();
    }

    [Fact]
    public async Task Verify_access_names_the_missing_table()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CreateSource(prefix: "nope_").VerifyAccessAsync());

        Assert.Contains("nope_contents", error.Message);
        Assert.Contains("SELECT", error.Message);
    }

    [Fact]
    public async Task Another_table_prefix_reads_other_tables()
    {
        await Database.CreateSchemaAsync("blog2_");
        await Database.InsertPostAsync(new TestPost(1, "Second blog", T - Day, T - Day), "blog2_");

        var posts = await CreateSource(prefix: "blog2_").ReadPostsAsync([1]);

        Assert.Equal("Second blog", Assert.Single(posts).Title);
        Assert.Empty(posts[0].Categories);
    }
}
