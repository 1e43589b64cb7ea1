using BlogSemanticIndex.Sources;

namespace BlogSemanticIndex.Demo.Tests;

public sealed class DemoBlogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"bsi-demo-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task The_demo_blog_reads_back_through_the_typecho_source_with_exactly_its_visible_posts()
    {
        var summary = DemoBlog.Create(_path, postCount: 300);
        await using var source = TypechoSourceFactory.Create(new BlogSourceOptions { Provider = "sqlite", ConnectionString = $"Data Source={_path}" });

        await source.VerifyAccessAsync();
        var stamps = await source.ReadVisibleStampsAsync();
        var posts = await source.ReadPostsAsync(stamps.Select(s => s.Cid).ToList());

        Assert.Equal(summary.Visible, stamps.Count);
        Assert.InRange(summary.Hidden, 30, 90);
        Assert.Contains(posts, p => p.Title.Contains("新词发现") && p.Categories.Contains("自然语言处理"));
        Assert.Contains(posts, p => p.Text.StartsWith("<!--markdown-->", StringComparison.Ordinal) && p.Text.Contains("<!--more-->"));
        Assert.Contains(posts, p => p.Text.StartsWith("<p>", StringComparison.Ordinal));
        Assert.All(posts, p => Assert.NotEmpty(p.Categories));
    }

    [Fact]
    public async Task Every_topic_has_a_paraphrase_and_an_exact_term_query_answered_only_by_visible_posts()
    {
        var summary = DemoBlog.Create(_path, postCount: 300);
        await using var source = TypechoSourceFactory.Create(new BlogSourceOptions { Provider = "sqlite", ConnectionString = $"Data Source={_path}" });
        var visible = (await source.ReadVisibleStampsAsync()).Select(s => s.Cid).ToHashSet();
        var posts = (await source.ReadPostsAsync([.. visible])).ToDictionary(p => p.Cid);

        Assert.Equal(2 * 16, summary.Queries.Count);
        Assert.All(summary.Queries, q => Assert.Subset(visible, q.Relevant.ToHashSet()));
        // The exact-term query "journald" is answered by exactly the visible posts containing it.
        var journald = Assert.Single(summary.Queries, q => q.Query == "journald");
        Assert.Equal(posts.Values.Where(p => (p.Title + p.Text).Contains("journald", StringComparison.OrdinalIgnoreCase)).Select(p => p.Cid).Order(),
            journald.Relevant.Order());
        // A paraphrase shares no word with the posts that answer it: only a semantic search can find them.
        var paraphrase = Assert.Single(summary.Queries, q => q.Query == "my UI freezes when waiting for a task to finish");
        Assert.All(paraphrase.Relevant, cid => Assert.DoesNotContain("freezes", posts[cid].Text));
        Assert.Contains(summary.Queries, q => q.Query == "新词算法" && q.Relevant.All(cid => posts[cid].Categories.Contains("自然语言处理")));
    }

    [Fact]
    public void The_same_seed_writes_the_same_blog()
    {
        var first = DemoBlog.Create(_path, postCount: 50, seed: 7);
        var bytes = File.ReadAllBytes(_path);
        var second = DemoBlog.Create(_path, postCount: 50, seed: 7);

        Assert.Equal(first.Visible, second.Visible);
        Assert.Equal(bytes.Length, File.ReadAllBytes(_path).Length);
    }

    public void Dispose() => File.Delete(_path);
}
