using BlogSemanticIndex.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlogSemanticIndex.Analytics.Tests;

public sealed class SearchLogTests
{
    private static SearchLogEntry Entry(string query) => new(DateTimeOffset.UtcNow, query, "hybrid", 1, 3, SearchOutcomes.Ok);

    [Fact]
    public void A_full_queue_drops_and_counts_instead_of_waiting()
    {
        var log = new SearchLog(new AnalyticsOptions { QueueCapacity = 2 });

        for (var i = 0; i < 5; i++)
        {
            log.Record(Entry($"q{i}"));
        }

        Assert.Equal(3, log.Dropped);
        Assert.True(log.Reader.TryRead(out var first));
        Assert.Equal("q0", first.Query);
    }

    [Fact]
    public void Retention_zero_logs_nothing()
    {
        var log = new SearchLog(new AnalyticsOptions { RetentionDays = 0 });

        log.Record(Entry("private"));

        Assert.False(log.Reader.TryRead(out _));
        Assert.Equal(0, log.Dropped);
    }

    [Fact]
    public async Task The_writer_copies_queued_searches_into_the_log_and_drains_the_queue_when_stopped()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var log = new SearchLog(new AnalyticsOptions());
        using var writer = new SearchLogWriter(log, database.DataSource, NullLogger<SearchLogWriter>.Instance, TimeProvider.System);
        await writer.StartAsync(CancellationToken.None);

        log.Record(Entry("新词发现"));
        log.Record(Entry("C++ templates"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await CountAsync(database) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        log.Record(Entry("queued at shutdown"));
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(3, await CountAsync(database));
        Assert.Equal(0, log.Dropped);
    }

    [Fact]
    public async Task Searches_arriving_one_by_one_within_the_batch_window_are_written_in_one_transaction()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var log = new SearchLog(new AnalyticsOptions());
        using var writer = new SearchLogWriter(log, database.DataSource, NullLogger<SearchLogWriter>.Instance, TimeProvider.System);
        await writer.StartAsync(CancellationToken.None);

        // 10 searches over ~0.2 s, well inside the writer's one-second window.
        for (var i = 0; i < 10; i++)
        {
            log.Record(Entry($"q{i}"));
            await Task.Delay(20);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await CountAsync(database) < 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await writer.StopAsync(CancellationToken.None);

        // Rows one COPY wrote share its transaction id.
        await using var command = database.DataSource.CreateCommand("SELECT count(DISTINCT xmin::text) FROM search_log");
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
        Assert.Equal(10, await CountAsync(database));
    }

    [Fact]
    public async Task A_batch_the_database_refuses_is_dropped_and_counted_and_the_writer_goes_on()
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false); // no search_log table
        var log = new SearchLog(new AnalyticsOptions());
        using var writer = new SearchLogWriter(log, database.DataSource, NullLogger<SearchLogWriter>.Instance, TimeProvider.System);
        await writer.StartAsync(CancellationToken.None);

        log.Record(Entry("lost"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (log.Dropped == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        log.Record(Entry("lost too"));
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(2, log.Dropped);
    }

    private static async Task<long> CountAsync(TestIndexDatabase database)
    {
        await using var command = database.DataSource.CreateCommand("SELECT count(*) FROM search_log");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
