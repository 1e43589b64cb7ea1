namespace BlogSemanticIndex.Indexing.Tests;

public sealed class JobDataTests
{
    [Fact]
    public void A_reindex_request_survives_the_job_data_map()
    {
        var request = ReindexRequest.Posts([3, 1, 4], dryRun: true);
        var read = ReindexJob.ReadRequest(ReindexJob.ToJobData(request));

        Assert.Equal(request.All, read.All);
        Assert.Equal(request.Cids, read.Cids);
        Assert.Equal(request.DryRun, read.DryRun);
    }

    [Fact]
    public void Progress_estimates_the_time_left_from_the_rate_so_far()
    {
        var progress = new IndexProgress(IndexPhase.Reindex, 25, 100, 50, 50, 0, TimeSpan.FromSeconds(10), 5);

        Assert.Equal(TimeSpan.FromSeconds(30), progress.EstimatedRemaining);
        Assert.Null((progress with { PostsTotal = null }).EstimatedRemaining);
    }

    [Fact]
    public void The_progress_store_keeps_the_latest_poll_and_reindex()
    {
        var store = new IndexingProgressStore();
        var tracker = store.Begin(IndexingProgressStore.ReindexKind, ReindexRequest.Everything());
        tracker.Report(new IndexProgress(IndexPhase.Reindex, 1, 2, 3, 3, 0, TimeSpan.FromSeconds(1), 3));

        Assert.True(store.Snapshot().Reindex!.Running);
        Assert.Equal(1, store.Snapshot().Reindex!.Progress!.PostsDone);
        Assert.Null(store.Snapshot().Poll);

        tracker.Fail(new InvalidOperationException("boom"));
        Assert.False(store.Snapshot().Reindex!.Running);
        Assert.Contains("boom", store.Snapshot().Reindex!.Error);
    }
}
