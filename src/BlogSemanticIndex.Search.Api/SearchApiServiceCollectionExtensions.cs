using System.Threading.RateLimiting;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Wiring of the search HTTP API into a web host.</summary>
public static class SearchApiServiceCollectionExtensions
{
    /// <summary>
    /// The search core (<see cref="SearchServiceCollectionExtensions.AddSearch"/>) and what its HTTP API needs: the
    /// index store's outage tracker, problem details, the per-client rate limiter and, when origins are configured, CORS.
    /// </summary>
    public static IServiceCollection AddSearchApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSearch(configuration);
        var searchOptions = configuration.GetSection(SearchOptions.SectionName).Get<SearchOptions>() ?? new SearchOptions();
        services.TryAddSingleton<IndexStoreOutage>();
        services.AddProblemDetails();

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SearchApi.RateLimitPolicy, context => ClientRateLimiter.PerClient(context,
                context.RequestServices.GetRequiredService<IOptions<SearchOptions>>().Value.RateLimitPerMinute));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                // Whole seconds, rounded up, so a client that waits exactly this long gets a permit.
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : (int?)null;
                if (seconds is not null)
                {
                    context.HttpContext.Response.Headers.RetryAfter = seconds.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await TypedResults.Problem(
                    seconds is null ? "Too many requests from this client; slow down." : $"Too many requests from this client; retry in {seconds} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Rate limit exceeded",
                    extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds }).ExecuteAsync(context.HttpContext);
            };
        });
        if (searchOptions.CorsOrigins.Length > 0)
        {
            services.AddCors(cors => cors.AddPolicy(SearchApi.CorsPolicy, policy => policy
                .WithOrigins(searchOptions.CorsOrigins)
                .WithMethods("GET")
                .WithHeaders(SearchApi.ApiKeyHeader)));
        }
        return services;
    }

    /// <summary>The middleware the API needs (CORS when configured, the rate limiter), then <see cref="SearchApi.MapSearchApi"/>.</summary>
    public static WebApplication UseSearchApi(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<SearchOptions>>().Value.CorsOrigins.Length > 0)
        {
            app.UseCors();
        }
        app.UseRateLimiter();
        app.MapSearchApi();
        return app;
    }
}
