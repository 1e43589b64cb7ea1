using MySqlConnector;

namespace BlogSemanticIndex.Sources.Tests;

public sealed class MySqlTypechoSourceTests : TypechoSourceContract
{
    private protected override async Task<TypechoTestDatabase> CreateDatabaseAsync() => await MySqlTestDatabase.CreateAsync();

    private MySqlTestDatabase MySql => (MySqlTestDatabase)Database;

    [Fact]
    public async Task Reader_with_select_on_the_three_tables_reads_posts()
    {
        // The typecho owner cannot grant, so the grant comes from scripts/setup.sh:
        // GRANT SELECT ON `typecho%`.* TO bsi_reader (test databases are named typecho_t_…). A lost grant fails here.
        var source = CreateSource(connectionString: MySql.ReaderConnectionString);
        await source.VerifyAccessAsync();

        Assert.Equal([1L, 2L, 3L], (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));
        Assert.Equal(["dotnet", "搜索"], (await source.ReadPostsAsync([1]))[0].Tags);
    }

    [Fact]
    public async Task Legacy_utf8_and_latin1_tables_decode_to_the_same_text()
    {
        // Older Typecho installs created tables with 3-byte utf8; some blogs carry latin1 columns from older MySQL.
        await Database.CreateSchemaAsync("legacy_", charset: "utf8");
        await Database.ExecuteAsync("ALTER TABLE `legacy_contents` MODIFY `text` longtext CHARACTER SET latin1");
        await Database.InsertPostAsync(new TestPost(1, "旧博客：中文标题", T - Day, T - Day, Text: "Café au lait, naïve"), "legacy_");
        await Database.InsertMetaAsync(1, "分类", "category", prefix: "legacy_");
        await Database.RelateAsync(1, 1, "legacy_");

        var post = Assert.Single(await CreateSource(prefix: "legacy_").ReadPostsAsync([1]));

        Assert.Equal("旧博客：中文标题", post.Title);
        Assert.Equal("Café au lait, naïve", post.Text);
        Assert.Equal(["分类"], post.Categories);
        Assert.Null(post.DecodingProblem);
    }
}

public sealed class PostgresTypechoSourceTests : TypechoSourceContract
{
    private protected override async Task<TypechoTestDatabase> CreateDatabaseAsync() => await PostgresTestDatabase.CreateAsync();

    private PostgresTestDatabase Postgres => (PostgresTestDatabase)Database;

    [Fact]
    public async Task Reader_with_select_on_the_three_tables_reads_posts()
    {
        await Postgres.GrantReaderAsync();
        var source = CreateSource(connectionString: Postgres.ReaderConnectionString);

        await source.VerifyAccessAsync();
        Assert.Equal([1L, 2L, 3L], (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));
        var (visible, _, _, _) = await DrainAsync(source, SourceWatermark.Beginning);
        Assert.Equal([1L, 2L, 3L], visible.Select(p => p.Cid));
    }

    [Fact]
    public async Task Reader_without_the_grant_is_told_which_grant_is_missing()
    {
        var source = CreateSource(connectionString: Postgres.ReaderConnectionString);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => source.VerifyAccessAsync());

        Assert.Contains("typecho_contents", error.Message);
        Assert.Contains("grant the reader SELECT", error.Message);
    }
}

public sealed class SqliteTypechoSourceTests : TypechoSourceContract
{
    private protected override async Task<TypechoTestDatabase> CreateDatabaseAsync() => await SqliteTestDatabase.CreateAsync();

    [Fact]
    public async Task Invalid_utf8_bytes_become_replacement_characters_with_a_reason()
    {
        // SQLite stores whatever bytes it is given; a broken import can leave invalid UTF-8 in a text column.
        await Database.ExecuteAsync(
            $"INSERT INTO \"typecho_contents\" (\"cid\", \"title\", \"slug\", \"created\", \"modified\", \"text\", \"type\", \"status\") " +
            $"VALUES (50, 'Broken', 'broken', {T - Day}, {T - Day}, CAST(X'48656C6C6FFF20C3' AS TEXT), 'post', 'publish')");

        var post = Assert.Single(await CreateSource().ReadPostsAsync([50]));

        Assert.Equal("Hello\uFFFD \uFFFD", post.Text);
        Assert.Equal("Broken", post.Title);
        Assert.NotNull(post.DecodingProblem);
        Assert.Contains("text", post.DecodingProblem);
    }

    [Fact]
    public async Task A_blog_file_replaced_by_rename_is_read_on_the_next_call()
    {
        // A restore, or a tool that writes a new file and renames it over the old one: the old inode is gone for
        // everyone but a connection that kept it open.
        var source = CreateSource();
        Assert.Equal([1L, 2L, 3L], (await source.ReadVisibleStampsAsync()).Select(s => s.Cid));

        await using var replacement = await SqliteTestDatabase.CreateAsync();
        await replacement.CreateSchemaAsync();
        await replacement.InsertPostAsync(new TestPost(1, "Semantic search for Typecho", T - 10 * Day, T - Day));
        await replacement.InsertPostAsync(new TestPost(2, "你好，世界", T - 9 * Day, T - Day, Status: "private"));
        await replacement.InsertPostAsync(new TestPost(20, "新文章", T - Day, T - Day));
        File.Move(replacement.Path, ((SqliteTestDatabase)Database).Path, overwrite: true);

        var stamps = await source.ReadVisibleStampsAsync();

        Assert.Equal([1L, 20L], stamps.Select(s => s.Cid));
        Assert.Empty(await source.ReadPostsAsync([2]));
    }
}
