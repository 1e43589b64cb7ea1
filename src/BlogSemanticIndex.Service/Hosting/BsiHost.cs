using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Search;
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
        builder.Services.AddSingleton<EncoderHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EncoderHost>());
        // The pipeline shares the host's one encoder; resolving it waits for the background load.
        builder.Services.AddSingleton(sp => sp.GetRequiredService<EncoderHost>().GetAsync(CancellationToken.None).GetAwaiter().GetResult());
        if (string.IsNullOrWhiteSpace(configuration["Blog:ConnectionString"]))
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
        builder.Services.AddSearch(configuration);
        builder.Services.AddSingleton(configuration.GetAdminOptions());
        builder.Services.AddMetricsEndpoint(configuration.GetMetricsOptions());
        builder.Services.AddHealthChecks()
            .AddCheck<IndexDatabaseHealthCheck>("database")
            .AddCheck<EncoderHealthCheck>("model");

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSerilogRequestLogging(logging => logging.GetLevel = (context, _, error) =>
            error is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
            // Prometheus scrapes every few seconds; a line per scrape would bury the rest of the log.
            : context.Request.Path == "/metrics" ? LogEventLevel.Debug
            : LogEventLevel.Information);
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
