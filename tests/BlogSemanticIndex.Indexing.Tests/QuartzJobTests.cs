using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// The jobs as the service runs them: <see cref="IndexingServiceCollectionExtensions.AddIndexing"/> with Quartz's
/// clustered persistent store in the test's index schema (its tables provisioned there on start).
/// </summary>
public sealed class QuartzJobTests(EncoderFixture encoder) : SqliteBlogTests(encoder)
{
    // The service's source reads the system clock, so the posts are dated before the real now.
    private static readonly long RealNow = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    protected override async Task SeedAsync()
    {
        await H.InsertPostAsync(1, "Quartz", "<!--markdown-->Jobs on a clustered store.", RealNow - 900);
        await H.InsertPostAsync(2, "Cluster", "<!--markdown-->One node runs each fire.", RealNow - 800);
        await H.InsertPostAsync(3, "Hidden", "<!--markdown-->Never indexed.", RealNow - 700, status: "hidden");
    }

    [Fact]
    public async Task The_indexer_job_on_the_clustered_persistent_store_indexes_the_blog_and_the_reindex_job_reports_progress()
    {
        await using var node = await ServiceNode.StartAsync(Configuration($"bsi-test-{Guid.NewGuid():N}"), H, Encoder);
        var progress = node.Progress;

        await node.Scheduler.TriggerJob(IndexerJob.Key);
        var poll = await WaitForAsync(() => progress.Snapshot().Poll is { Running: false, Result: not null } p ? p : null);

        Assert.Null(poll.Error);
        Assert.Equal([1L, 2L], await H.IndexedCidsAsync());
        // The schedule lives in the index database, clustered: this node checked in there.
        Assert.Contains(await H.QueryAsync("SELECT trigger_name FROM qrtz_triggers", r => r.GetString(0)), n => n == IndexerJob.TriggerKey.Name);
        Assert.Single(await H.QueryAsync("SELECT instance_name FROM qrtz_scheduler_state", r => r.GetString(0)));

        await ReindexJob.ScheduleAsync(node.Provider.GetRequiredService<ISchedulerFactory>(), ReindexRequest.Everything(dryRun: true));
        var reindex = await WaitForAsync(() => progress.Snapshot().Reindex is { Running: false } r ? r : null);

        Assert.Null(reindex.Error);
        Assert.True(reindex.Request!.All);
        Assert.Equal(2, reindex.Result!.PostsWritten);
        Assert.Equal(IndexPhase.Completed, reindex.Progress!.Phase);
        Assert.DoesNotContain(H.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Two_instances_on_one_index_database_form_one_cluster_and_each_fire_runs_on_one_of_them()
    {
        var configuration = Configuration($"bsi-test-{Guid.NewGuid():N}");
        await using var a = await ServiceNode.StartAsync(configuration, H, Encoder);
        await using var b = await ServiceNode.StartAsync(configuration, H, Encoder);
        await WaitForAsync(async () => (await H.QueryAsync("SELECT count(*) FROM qrtz_scheduler_state", r => r.GetInt64(0)))[0] == 2);
        // Both nodes scheduled the poll to start now; let those fires finish before counting.
        var before = await SettledPollCountAsync(a, b);

        for (var i = 0; i < 3; i++)
        {
            await b.Scheduler.TriggerJob(IndexerJob.Key);
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var after = await SettledPollCountAsync(a, b);
        while (after < before + 3 && DateTime.UtcNow < deadline)
        {
            after = await SettledPollCountAsync(a, b);
        }

        // Three fires, three polls: no fire ran on both nodes.
        Assert.Equal(before + 3, after);
        Assert.Equal([1L, 2L], await H.IndexedCidsAsync());
        Assert.DoesNotContain(H.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task An_instance_started_with_the_indexer_disabled_runs_no_poll_even_when_the_store_holds_the_poll_trigger()
    {
        var schedulerName = $"bsi-test-{Guid.NewGuid():N}";
        var everySecond = new Dictionary<string, string?> { ["Indexer:PollInterval"] = "00:00:01" };
        await using (var enabled = await ServiceNode.StartAsync(With(Configuration(schedulerName), everySecond), H, Encoder))
        {
            await WaitForAsync(() => enabled.Progress.Snapshot() is { PollsStarted: > 0 } s ? s : null);
        }
        Assert.Contains(await H.QueryAsync("SELECT trigger_name FROM qrtz_triggers", r => r.GetString(0)), n => n == IndexerJob.TriggerKey.Name);

        await using var disabled = await ServiceNode.StartAsync(
            With(Configuration(schedulerName), new(everySecond) { ["Indexer:Enabled"] = "false" }), H, Encoder);
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Equal(0, disabled.Progress.Snapshot().PollsStarted);
    }

    [Fact]
    public async Task The_refit_job_fits_the_first_version_refits_after_growth_and_on_request_and_drops_retired_tables()
    {
        var configuration = new ConfigurationBuilder().AddConfiguration(Configuration($"bsi-test-{Guid.NewGuid():N}"))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Whitening:Enabled"] = "true",
                ["Whitening:MinVectors"] = "2",
                ["Whitening:RefitGrowthFraction"] = "0.25",
                // Every check in this test is fired explicitly.
                ["Whitening:RefitCheckInterval"] = "01:00:00",
            }).Build();
        await using var node = await ServiceNode.StartAsync(configuration, H, Encoder);
        await PollAsync(node);

        // No version yet and 2 ≥ MinVectors vectors: the first check fits and activates one.
        await node.Scheduler.TriggerJob(WhiteningRefitJob.Key);
        await WaitForAsync(async () => await ActiveWhiteningAsync() == 1);
        Assert.Equal([(1, 256)], await VersionsAsync());

        // No growth: a check changes nothing.
        await node.Scheduler.TriggerJob(WhiteningRefitJob.Key);
        await WaitForAsync(() => Task.FromResult(H.Logs.Entries.Any(e => e.Message.StartsWith("No whitening refit", StringComparison.Ordinal))));
        Assert.Equal([(1, 256)], await VersionsAsync());

        // 2 → 3 vectors is 50% growth ≥ 25%: the next check refits, switches, and drops the old table.
        await H.InsertPostAsync(4, "Growth", "<!--markdown-->A third post grows the corpus by half.", RealNow - 600);
        await PollAsync(node);
        await node.Scheduler.TriggerJob(WhiteningRefitJob.Key);
        await WaitForAsync(async () => await ActiveWhiteningAsync() == 2);

        // Asked for over the admin API with other hyperparameters: refits whatever the growth.
        await WhiteningRefitJob.RefitNowAsync(node.Provider.GetRequiredService<ISchedulerFactory>(), new Whitening.WhiteningParameters(1, 0, 64));
        await WaitForAsync(async () => await ActiveWhiteningAsync() == 3);

        Assert.Equal([(3, 64), (2, 256), (1, 256)], await VersionsAsync());
        Assert.Equal([3L], await H.QueryAsync("SELECT count(*) FROM chunk_vectors_w3", r => r.GetInt64(0)));
        // Retired versions' tables are gone once the job is done: it drops them after the switch that the wait above sees.
        const string vectorTables = "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'chunk_vectors_w%'";
        await WaitForAsync(async () => (await H.QueryAsync(vectorTables, r => r.GetString(0))).Count == 1);
        Assert.Equal(["chunk_vectors_w3"], await H.QueryAsync(vectorTables, r => r.GetString(0)));
        Assert.DoesNotContain(H.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    private static async Task PollAsync(ServiceNode node)
    {
        var before = node.Progress.Snapshot().PollsStarted;
        await node.Scheduler.TriggerJob(IndexerJob.Key);
        await WaitForAsync(() => node.Progress.Snapshot() is { Poll: { Running: false, Result: not null } } s && s.PollsStarted > before ? s : null);
    }

    private async Task<int?> ActiveWhiteningAsync() =>
        (await H.QueryAsync("SELECT whitening_version FROM active_index", r => r.IsDBNull(0) ? (int?)null : r.GetInt32(0))).SingleOrDefault();

    private async Task<IReadOnlyList<(int Version, int Dims)>> VersionsAsync() =>
        await H.QueryAsync("SELECT version, dims FROM whitening_models ORDER BY version DESC", r => (r.GetInt32(0), r.GetInt32(1)));

    /// <summary>Polls started on both nodes, once nothing has run for two seconds.</summary>
    private static async Task<long> SettledPollCountAsync(ServiceNode a, ServiceNode b)
    {
        long Count() => a.Progress.Snapshot().PollsStarted + b.Progress.Snapshot().PollsStarted;
        bool Running() => a.Progress.Snapshot().Poll?.Running == true || b.Progress.Snapshot().Poll?.Running == true;
        var count = Count();
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow - quietSince < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(100);
            if (Running() || Count() != count)
            {
                count = Count();
                quietSince = DateTime.UtcNow;
            }
        }
        return count;
    }

    private static IConfiguration With(IConfiguration configuration, Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(settings).Build();

    private IConfiguration Configuration(string schedulerName) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["IndexStore:ConnectionString"] = H.Index.ConnectionString,
        ["Blog:ConnectionString"] = H.Blog.OwnerConnectionString,
        ["Blog:Provider"] = "sqlite",
        ["Blog:Name"] = "quartz-test",
        // After the first fire, every fire in these tests is asked for explicitly.
        ["Indexer:PollInterval"] = "01:00:00",
        ["Indexer:SchedulerName"] = schedulerName,
        ["Whitening:Enabled"] = "false",
    }).Build();

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> read) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await read() is { } value)
            {
                return value;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the condition did not hold within 60 s");
    }

    private static Task<T> WaitForAsync<T>(Func<T?> read) where T : class => WaitForAsync(() => Task.FromResult(read()));

    private static Task<string> WaitForAsync(Func<Task<bool>> condition) => WaitForAsync(async () => await condition() ? "" : null);

    /// <summary>One service instance: its own container with <c>AddIndexing</c>, its hosted services started as a host would.</summary>
    private sealed class ServiceNode : IAsyncDisposable
    {
        private readonly List<IHostedService> _hosted;
        private readonly TestLifetime _lifetime;

        private ServiceNode(ServiceProvider provider, List<IHostedService> hosted, TestLifetime lifetime, IScheduler scheduler)
        {
            Provider = provider;
            _hosted = hosted;
            _lifetime = lifetime;
            Scheduler = scheduler;
        }

        public ServiceProvider Provider { get; }
        public IScheduler Scheduler { get; }
        public IndexingProgressStore Progress => Provider.GetRequiredService<IndexingProgressStore>();

        public static async Task<ServiceNode> StartAsync(IConfiguration configuration, IndexerHarness harness, EncoderFixture encoder)
        {
            var services = new ServiceCollection();
            services.AddSingleton<ILoggerFactory>(harness.Logs);
            services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            services.AddSingleton(encoder.Encoder);
            var lifetime = new TestLifetime();
            services.AddSingleton<IHostApplicationLifetime>(lifetime);
            services.AddIndexing(configuration);
            var provider = services.BuildServiceProvider();
            var hosted = provider.GetServices<IHostedService>().ToList();
            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None);
            }
            lifetime.Started();
            return new ServiceNode(provider, hosted, lifetime, await provider.GetRequiredService<ISchedulerFactory>().GetScheduler());
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var service in _hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }
            await Provider.DisposeAsync();
            _lifetime.Dispose();
        }
    }

    /// <summary>The host's lifetime events, raised by the test instead of a host.</summary>
    private sealed class TestLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _stopped = new();

        public CancellationToken ApplicationStarted => _started.Token;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => _stopped.Token;

        public void Started() => _started.Cancel();

        public void StopApplication() => _stopping.Cancel();

        public void Dispose()
        {
            _started.Dispose();
            _stopping.Dispose();
            _stopped.Dispose();
        }
    }
}
