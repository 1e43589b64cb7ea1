using System.Globalization;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// Runs that are interrupted — cancelled between batches, or with the index database's connections killed under them —
/// and then run again: nothing committed is lost, nothing is written twice, and the result equals an uninterrupted run.
/// </summary>
public sealed class ResilienceTests(EncoderFixture encoder) : SqliteBlogTests(encoder)
{
    protected override async Task SeedAsync()
    {
        for (var cid = 1; cid <= 6; cid++)
        {
            await H.InsertPostAsync(cid, $"Post number {cid}", $"<!--markdown-->Body of post {cid}: notes on chunking and vectors.", T - 1000 + cid);
        }
    }

    [Fact]
    public async Task A_run_cancelled_mid_batch_keeps_its_committed_batches_and_the_rerun_completes_without_duplicates()
    {
        using var cancel = new CancellationTokenSource();
        // Pages of two posts, one encoder call each: the second call is the second batch.
        var cancelling = new InterceptingEncoder(Encoder.ChunkEncoder, call =>
        {
            if (call == 2)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => H.CreateIndexer(encoder: cancelling).RunOnceAsync(cancellationToken: cancel.Token));

        Assert.Equal([1L, 2L], await H.IndexedCidsAsync());
        var watermark = await new IndexWriter(H.Index.DataSource).ReadWatermarkAsync("test");
        Assert.Equal(new IndexWatermark(T - 1000 + 2, 2), watermark);

        var rerun = await H.PollAsync();

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], await H.IndexedCidsAsync());
        Assert.Equal(4, rerun.PostsWritten);
        var rows = await H.EmbeddingRowsAsync();
        Assert.Equal(await H.CountAsync("chunks"), rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => (r.Cid, r.Ordinal)).Distinct().Count());
        Assert.Equal(await ReferenceChunksAsync(), rows.Select(r => (r.Cid, r.Ordinal, r.TextHash)).ToList());
    }

    [Fact]
    public async Task Index_connections_killed_during_a_poll_are_retried_with_backoff_and_the_poll_completes()
    {
        var application = $"bsi-kill-{Guid.NewGuid():N}"[..24];
        await using var dataSource = IndexDataSource.Create(new NpgsqlConnectionStringBuilder(H.Index.ConnectionString) { ApplicationName = application }.ConnectionString);
        var killed = 0;
        // Between reading and writing the first batch, as a server restart would: every pooled connection dies.
        var killing = new InterceptingEncoder(Encoder.ChunkEncoder, call =>
        {
            if (call == 1)
            {
                killed = TerminateBackendsAsync(application).GetAwaiter().GetResult();
            }
        });

        var result = await H.CreateIndexer(encoder: killing, indexDataSource: dataSource).RunOnceAsync();

        Assert.True(killed > 0, "no connection of the indexer was open to terminate");
        Assert.True(result.Retries > 0, "the write after the kill should have been retried");
        Assert.Contains(H.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("failed transiently"));
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], await H.IndexedCidsAsync());
        Assert.Equal(await ReferenceChunksAsync(), (await H.EmbeddingRowsAsync()).Select(r => (r.Cid, r.Ordinal, r.TextHash)).ToList());
    }

    [Fact]
    public async Task A_poll_that_cannot_reach_the_index_fails_after_its_retries_and_records_nothing_half_done()
    {
        // Nothing listens on port 1: every attempt fails with a transient socket error.
        var unreachable = new NpgsqlConnectionStringBuilder(H.Index.ConnectionString) { Port = 1, Timeout = 1 }.ConnectionString;
        await using var dataSource = IndexDataSource.Create(unreachable);
        var options = IndexerHarness.TestOptions();
        options.RetryAttempts = 2;

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => H.CreateIndexer(options, indexDataSource: dataSource).RunOnceAsync());

        Assert.Equal(2, H.Logs.Entries.Count(e => e.Message.Contains("failed transiently")));
        Assert.Empty(await H.IndexedCidsAsync());
    }

    /// <summary>The (cid, ordinal, text hash) rows an uninterrupted run over the same blog writes, in a schema of its own.</summary>
    private async Task<List<(long, int, string)>> ReferenceChunksAsync()
    {
        await using var reference = await TestIndexDatabase.CreateAsync();
        await H.CreateIndexer(indexDataSource: reference.DataSource).RunOnceAsync();
        await using var command = reference.DataSource.CreateCommand(
            "SELECT cid, ordinal, encode(text_hash, 'hex') FROM chunks ORDER BY cid, ordinal");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, int, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2)));
        }
        return rows;
    }

    /// <summary>
    /// What a server restart does to the indexer's connections, without superuser rights: a role may terminate its own
    /// backends. Only this test's connections (by application name) are hit, not other tests sharing the role.
    /// </summary>
    private async Task<int> TerminateBackendsAsync(string application)
    {
        await using var command = H.Index.DataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE usename = current_user AND application_name = @application AND pid <> pg_backend_pid()
            """);
        command.Parameters.AddWithValue("application", application);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
