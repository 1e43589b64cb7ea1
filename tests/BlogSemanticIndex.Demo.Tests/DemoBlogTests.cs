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
        Assert.Contains(posts, p => p.Text.StartsWith("<!--markdown-->") && p.Text.Contains("<!--more-->"));
        Assert.Contains(posts, p => p.Text.StartsWith("<p>"));
        Assert.All(posts, p => Assert.NotEmpty(p.Categories));
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
