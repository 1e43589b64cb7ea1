using Prometheus;
using Prometheus.HttpMetrics;
using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>Settings of the Prometheus endpoint (section <c>Metrics</c>).</summary>
public sealed class MetricsOptions : IValidatedSection<MetricsOptions>
{
    public const string SectionName = "Metrics";

    static string IValidatedSection<MetricsOptions>.SectionName => SectionName;

    /// <summary>Serve <c>GET /metrics</c> and measure HTTP requests; false turns both off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The bearer token <c>/metrics</c> requires; empty leaves it open.</summary>
    public string Token { get; set; } = "";

    /// <summary>Nothing here can be out of range: a false flag and any token (even a short one) are valid.</summary>
    public IReadOnlyList<string> Validate() => [];
}

/// <summary><c>GET /metrics</c> in Prometheus text format: HTTP latency per route, the index's state, embedding and search counters.</summary>
internal static class MetricsEndpoint
{
    /// <summary>Buckets of request and query-embedding latencies: a search takes milliseconds, a cold encoder seconds.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    public static IServiceCollection AddMetricsEndpoint(this IServiceCollection services, MetricsOptions options)
    {
        services.AddSingleton(options);
        if (options.Enabled)
        {
            services.AddSingleton<LibraryMetricsExporter>();
            services.AddSingleton<IndexStatusMetrics>();
            // The exporter publishes the libraries' meters with Prometheus counter semantics; the adapter would repeat them as gauges.
            Metrics.ConfigureMeterAdapter(adapter => adapter.InstrumentFilterPredicate = i => !LibraryMetricsExporter.IsLibraryInstrument(i));
        }
        return services;
    }

    /// <summary>Measures every request after this point and maps <c>/metrics</c>; call once the request logging is in place.</summary>
    public static void UseMetricsEndpoint(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<MetricsOptions>();
        if (!options.Enabled)
        {
            return;
        }
        // Resolved now, so embeddings are counted from the start rather than from the first scrape.
        app.Services.GetRequiredService<LibraryMetricsExporter>();
        var indexStatus = app.Services.GetRequiredService<IndexStatusMetrics>();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(indexStatus.UpdateAsync);
        if (app.Services.GetService<Search.Keyword.LuceneKeywordIndex>() is { } keywordIndex)
        {
            Metrics.DefaultRegistry.AddBeforeCollectCallback(new NodeIndexMetrics("bsi_keyword_index", keywordIndex).Update);
        }
        if (app.Services.GetService<Search.Vectors.NodeVectorIndex>() is { } vectorIndex)
        {
            Metrics.DefaultRegistry.AddBeforeCollectCallback(new NodeIndexMetrics("bsi_vector_index", vectorIndex).Update);
        }

        app.UseHttpMetrics(http =>
        {
            // Minimal APIs have no controller or action; the endpoint label (the route template, so /posts/{cid}/related
            // is one series and not one per post) names the handler.
            http.RequestDuration.Histogram = Metrics.CreateHistogram("http_request_duration_seconds",
                "The duration of HTTP requests, by status code, method and route template.",
                new HistogramConfiguration
                {
                    LabelNames = [HttpRequestLabelNames.Code, HttpRequestLabelNames.Method, HttpRequestLabelNames.Endpoint],
                    Buckets = LatencyBuckets,
                });
        });

        var exporter = ((IEndpointRouteBuilder)app).CreateApplicationBuilder()
            .Use(async (context, next) =>
            {
                if (options.Token.Length > 0 && !BearerToken.IsPresented(context.Request, options.Token))
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await TypedResults.Problem("A valid metrics token is required (Authorization: Bearer <Metrics:Token>).",
                        statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
                    return;
                }
                await next(context);
            })
            .UseMiddleware<MetricServerMiddleware>(new MetricServerMiddleware.Settings())
            .Build();
        app.MapGet("/metrics", exporter).WithDisplayName("Prometheus metrics");
    }
}
