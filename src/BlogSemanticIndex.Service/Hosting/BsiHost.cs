using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Api;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>The web host behind <c>bsi serve</c>: its services and endpoints.</summary>
public static class BsiHost
{
    public static WebApplication Build(IConfigurationRoot configuration, string? urls)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }
        // Each is a no-op unless the process runs under that service manager.
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(options => options.ServiceName = "bsi");
        builder.Services.AddSerilog();

        builder.Services.AddIndexStore(configuration.GetIndexStoreOptions());
        builder.Services.AddSingleton(configuration.GetEncoderOptions());
        // Searches use the Whitening settings too, so they are checked whether or not this instance indexes.
        _ = configuration.GetWhiteningOptions();
        var indexing = !string.IsNullOrWhiteSpace(configuration["Blog:ConnectionString"]);
        builder.Services.AddSingleton(sp => new EncoderHost(sp.GetRequiredService<EncoderOptions>(),
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<EncoderHost>>(), separateQueryEncoder: indexing));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EncoderHost>());
        // The pipeline uses the host's indexing encoder, searches their own (see EncoderHost); resolving either
        // waits for the background load.
        builder.Services.AddSingleton(sp => sp.GetRequiredService<EncoderHost>().GetAsync(CancellationToken.None).GetAwaiter().GetResult());
        // Searches look their encoder up per query, so a model that fails to load costs the semantic leg only.
        builder.Services.AddSingleton<IQueryEmbedder, HostedQueryEmbedder>();
        if (!indexing)
        {
            Log.Warning("No blog is configured (Blog:ConnectionString): the indexer is off and searches answer from the existing index");
        }
        else
        {
            try
            {
                builder.Services.AddIndexing(configuration);
            }
            catch (ArgumentException e)
            {
                throw new Cli.OptionsValidationFailure(e.Message);
            }
        }
        builder.Services.AddSearchApi(configuration);
        builder.Services.AddSearchAnalytics(configuration);
        builder.Services.AddTrustedProxies(configuration);
        var admin = configuration.GetAdminOptions();
        builder.Services.AddSingleton(admin);
        builder.Services.AddRateLimiter(limiter => limiter.AddPolicy(AdminApi.RateLimitPolicy,
            context => ClientRateLimiter.PerClient(context, admin.RateLimitPerMinute)));
        builder.Services.AddMetricsEndpoint(configuration.GetMetricsOptions());
        var health = builder.Services.AddHealthChecks()
            .AddCachedCheck<IndexDatabaseHealthCheck>("database")
            .AddCachedCheck<KeywordStoreHealthCheck>("keyword")
            .AddCachedCheck<EncoderHealthCheck>("model");
        if (indexing)
        {
            health.AddCachedCheck<BlogSourceHealthCheck>("blog");
        }
        var searchOptions = configuration.GetSection(SearchOptions.SectionName).Get<SearchOptions>() ?? new SearchOptions();
        if (searchOptions.UsesLuceneKeywordIndex)
        {
            health.AddCachedCheck<Search.NodeIndexes.NodeIndexHealthCheck<Search.Keyword.LuceneKeywordIndex>>("keywordIndex");
        }
        if (searchOptions.UsesNodeVectorIndex)
        {
            health.AddCachedCheck<Search.NodeIndexes.NodeIndexHealthCheck<Search.Vectors.NodeVectorIndex>>("vectorIndex");
        }

        var app = builder.Build();
        // First, so everything after it (the rate limits, the request log) sees the visitor a trusted proxy names.
        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSerilogRequestLogging(logging => logging.GetLevel = (context, _, error) =>
            error is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError
                // A 503 is an answer about a dependency, whose outage is logged once by its owner.
                && context.Response.StatusCode != StatusCodes.Status503ServiceUnavailable ? LogEventLevel.Error
            // Prometheus scrapes every few seconds; a line per scrape would bury the rest of the log.
            : context.Request.Path == "/metrics" ? LogEventLevel.Debug
            : LogEventLevel.Information);
        app.UseClientClosedRequest();
        app.UseMetricsEndpoint();
        app.MapHealthEndpoint();
        app.MapAdminApi();
        app.UseSearchApi();
        return app;
    }

    private static IServiceCollection AddIndexStore(this IServiceCollection services, IndexStoreOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(_ => IndexDataSource.Create(options.ConnectionString));
        services.AddSingleton(sp => new MigrationRunner(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), options.ResolveMigrationsPath()));
        services.AddSingleton<IndexStatusReader>();
        return services;
    }
}
