using BlogSemanticIndex.Settings;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Sources;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Text;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace BlogSemanticIndex.Indexing;

public static class IndexingServiceCollectionExtensions
{
    /// <summary>
    /// The pipeline and its Quartz jobs: <see cref="AddIndexingPipeline"/>, plus a scheduler whose persistent store is
    /// the index database (clustered: every service instance sharing the database shares the schedule, and one of
    /// them runs each fire; the Quartz tables are created there on first start), the poll job on
    /// <see cref="IndexerOptions.PollInterval"/> or <see cref="IndexerOptions.Cron"/>, the on-demand
    /// <see cref="ReindexJob"/>, the <see cref="WhiteningRefitJob"/> on <see cref="WhiteningOptions.RefitCheckInterval"/> (when
    /// whitening is enabled), and, with <see cref="IndexerOptions.Enabled"/>, the hosted service that starts and stops the
    /// scheduler.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public static IServiceCollection AddIndexing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddIndexingPipeline(configuration);

        var indexer = configuration.GetSection(IndexerOptions.SectionName).Get<IndexerOptions>() ?? new IndexerOptions();
        indexer.EnsureValid();
        var whitening = configuration.GetSection(WhiteningOptions.SectionName).Get<WhiteningOptions>() ?? new WhiteningOptions();
        whitening.ValidateOrThrow();
        var connectionString = configuration.GetSection(IndexStoreOptions.SectionName).Get<IndexStoreOptions>()?.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException($"{IndexStoreOptions.SectionName}:ConnectionString is empty; the indexer's schedule is kept in the index database.");
        }

        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = indexer.SchedulerName);
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(Npgsql.NpgsqlFactory.Instance, connectionString);
                store.UseClustering(_ => { });
                // CREATE IF NOT EXISTS of Quartz's own tables, in the schema the connection's search_path names first.
                store.ProvisionSchema();
            });
            quartz.AddJob<ReindexJob>(job => job.WithIdentity(ReindexJob.Key).StoreDurably().RequestRecovery());
            if (indexer.Enabled)
            {
                quartz.ScheduleJob<IndexerJob>(
                    trigger =>
                    {
                        trigger.WithIdentity(IndexerJob.TriggerKey).StartNow();
                        if (string.IsNullOrWhiteSpace(indexer.Cron))
                        {
                            trigger.WithSimpleSchedule(indexer.PollInterval);
                        }
                        else
                        {
                            trigger.WithCronSchedule(indexer.Cron, _ => { });
                        }
                    },
                    // Recovery: a node that dies mid-poll leaves the fire to another; a poll is safe to repeat.
                    job => job.WithIdentity(IndexerJob.Key).RequestRecovery());
            }
            if (whitening.Enabled)
            {
                // First check one interval after start, so the first poll has filled the index.
                quartz.ScheduleJob<WhiteningRefitJob>(
                    trigger => trigger.WithIdentity(WhiteningRefitJob.TriggerKey)
                        .StartAt(DateTimeOffset.UtcNow + whitening.RefitCheckInterval)
                        .WithSimpleSchedule(schedule => schedule.WithInterval(whitening.RefitCheckInterval).RepeatForever()),
                    job => job.WithIdentity(WhiteningRefitJob.Key).StoreDurably());
            }
        });
        // The schedule outlives the process in the index database, so leaving the poll unscheduled is not enough: a
        // trigger stored by an earlier start (or by another instance) would still fire here. An instance with the
        // indexer off never starts its scheduler, so it runs no job; it can still queue jobs (the admin API) for the
        // instances that run them.
        if (indexer.Enabled)
        {
            services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        }
        return services;
    }

    /// <summary>
    /// The pipeline without a scheduler (for <c>bsi reindex</c>): options (<c>Indexer</c>, <c>Blog</c>, <c>Chunking</c>,
    /// <c>Text</c>, <c>Encoder</c>, <c>Whitening</c>, <c>IndexStore</c>) validated at start, the blog source, the encoder,
    /// the chunker, <see cref="PostIndexer"/> and <see cref="IndexingProgressStore"/>. Services already registered
    /// (the index <see cref="NpgsqlDataSource"/>, <see cref="SentenceEncoder"/>, <see cref="WhiteningStore"/>…) are kept.
    /// </summary>
    public static IServiceCollection AddIndexingPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddValidatedSection<IndexerOptions>(configuration);
        services.AddValidatedSection<BlogSourceOptions>(configuration);
        services.AddValidatedSection<ChunkerOptions>(configuration);
        services.AddValidatedSection<TextExtractionOptions>(configuration);
        services.AddValidatedSection<EncoderOptions>(configuration);
        services.AddValidatedSection<WhiteningOptions>(configuration);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => IndexDataSource.Create(
            configuration.GetSection(IndexStoreOptions.SectionName).Get<IndexStoreOptions>()?.ConnectionString ?? ""));
        services.TryAddSingleton(sp => new IndexWriter(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton(sp => new WhiteningStore(sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<WhiteningOptions>>().Value, sp.GetService<ILogger<WhiteningStore>>()));
        services.TryAddSingleton(sp => SentenceEncoder.Create(sp.GetRequiredService<IOptions<EncoderOptions>>().Value));
        services.TryAddSingleton<IChunkEncoder>(sp => new SentenceEncoderAdapter(sp.GetRequiredService<SentenceEncoder>()));
        services.TryAddSingleton<ITokenSpans>(sp => new WordPieceTokenSpans(sp.GetRequiredService<SentenceEncoder>().Tokenizer));
        services.TryAddSingleton(sp => new PostTextExtractor(sp.GetRequiredService<IOptions<TextExtractionOptions>>().Value));
        services.TryAddSingleton(sp => new Chunker(sp.GetRequiredService<ITokenSpans>(), sp.GetRequiredService<IOptions<ChunkerOptions>>().Value));
        services.TryAddSingleton(sp => TypechoSourceFactory.Create(sp.GetRequiredService<IOptions<BlogSourceOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new IndexingProgressStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            var whitening = sp.GetRequiredService<IOptions<WhiteningOptions>>().Value;
            return new PostIndexer(
                sp.GetRequiredService<ITypechoSource>(),
                sp.GetRequiredService<IndexWriter>(),
                sp.GetRequiredService<NpgsqlDataSource>(),
                sp.GetRequiredService<IChunkEncoder>(),
                sp.GetRequiredService<PostTextExtractor>(),
                sp.GetRequiredService<Chunker>(),
                sp.GetRequiredService<IOptions<IndexerOptions>>().Value,
                // Whatever else is kept beside the chunks (the search's keyword statistics) is registered by its owner.
                [.. (whitening.Enabled ? [sp.GetRequiredService<WhiteningStore>()] : Array.Empty<IChunkDerivedIndex>()),
                    .. sp.GetServices<IChunkDerivedIndex>().Where(i => i is not WhiteningStore)],
                sp.GetRequiredService<IOptions<ChunkerOptions>>().Value,
                sp.GetService<ILogger<PostIndexer>>(),
                sp.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}
