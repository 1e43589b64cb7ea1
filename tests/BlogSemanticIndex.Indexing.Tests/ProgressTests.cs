namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>The progress a poll reports, which the CLI's bar and <c>/admin/status</c>'s ETA are computed from.</summary>
public sealed class ProgressTests(EncoderFixture encoder) : SqliteBlogTests(encoder)
{
    protected override async Task SeedAsync()
    {
        for (var cid = 1; cid <= 6; cid++)
        {
            await H.InsertPostAsync(cid, $"Post {cid}", $"<!--markdown-->Body of post {cid}, 第{cid}篇。", T - 1000 + cid);
        }
        await H.InsertPostAsync(7, "Draft", "<!--markdown-->Never indexed.", T - 900, status: "draft");
    }

    [Fact]
    public async Task A_first_index_reports_every_post_it_will_read_as_the_total_from_the_first_batch()
    {
        var reports = new List<IndexProgress>();

        await H.CreateIndexer(IndexerHarness.TestOptions(pageSize: 2)).RunOnceAsync(new SynchronousProgress(reports));

        var duringFeed = reports.Where(r => r.Phase == IndexPhase.ChangeFeed && r.PostsDone > 0).ToList();
        Assert.NotEmpty(duringFeed);
        // Six visible posts to read from the first batch on, not only the ones paged in so far (the ETA depends on it).
        Assert.All(duringFeed, r => Assert.True(r.PostsTotal >= 6, $"total {r.PostsTotal} after {r.PostsDone} posts"));
        Assert.Equal(6, await H.IndexedCidsAsync() is var indexed ? indexed.Count : 0);
    }

    /// <summary>Records each report on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SynchronousProgress(List<IndexProgress> reports) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value) => reports.Add(value);
    }
}
