using BlogSemanticIndex.Settings;
using BlogSemanticIndex.Storage;
using System.Threading.RateLimiting;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Search.Api;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Whitening;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Wiring of the search library into a host.</summary>
public static class SearchServiceCollectionExtensions
{
    /// <summary>
    /// Registers search (options bound from <c>Search</c> and validated at start, the keyword and semantic
    /// legs, <see cref="SearchService"/>, the keyword index writer for the indexer, problem details, the
    /// per-client rate limiter and, when origins are configured, CORS).
    /// The host provides the singleton <see cref="NpgsqlDataSource"/> and either an <see cref="IQueryEmbedder"/>
    /// or a <see cref="SentenceEncoder"/>; a <see cref="WhiteningStore"/> is added when absent.
    /// </summary>
    public static IServiceCollection AddSearch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSection<SearchOptions>(configuration);
        services.TryAddSingleton<IQueryEmbedder>(sp => new SentenceEncoderQueryEmbedder(sp.GetRequiredService<SentenceEncoder>()));
        services.TryAddSingleton(sp => new WhiteningStore(sp.GetRequiredService<NpgsqlDataSource>(),
            configuration.GetSection(WhiteningOptions.SectionName).Get<WhiteningOptions>()));
        var searchOptions = configuration.GetSection(SearchOptions.SectionName).Get<SearchOptions>() ?? new SearchOptions();
        services.AddKeywordIndex();
        if (searchOptions.UsesLuceneKeywordIndex)
        {
            // The keyword searcher and the ranking cache take the index when it is registered; the sync builds it.
            services.TryAddSingleton<LuceneKeywordIndex>();
            services.TryAddSingleton<KeywordChangeFeed>();
            services.AddHostedService<KeywordIndexSync>();
        }
        services.TryAddSingleton<KeywordSearcher>();
        services.TryAddSingleton<SemanticFloor>();
        // Searches embed through the query vector cache when it is on (Search:QueryVectorCacheSize).
        if (searchOptions.QueryVectorCacheSize > 0)
        {
            services.TryAddSingleton(sp => new CachingQueryEmbedder(sp.GetRequiredService<IQueryEmbedder>(), searchOptions.QueryVectorCacheSize));
        }
        services.TryAddSingleton(sp => new SemanticSearcher(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<WhiteningStore>(),
            (IQueryEmbedder?)sp.GetService<CachingQueryEmbedder>() ?? sp.GetRequiredService<IQueryEmbedder>(),
            sp.GetRequiredService<IOptions<SearchOptions>>(), sp.GetRequiredService<SemanticFloor>()));
        services.TryAddSingleton<RankingCache>();
        services.TryAddSingleton<SearchService>();
        services.TryAddSingleton<RelatedPosts>();
        services.TryAddSingleton(TimeProvider.System);
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

    /// <summary>
    /// The keyword statistics writer, registered as an <see cref="IChunkDerivedIndex"/> so the indexer writes them in
    /// the transaction that writes the chunks. Every process that indexes needs it (the service, <c>bsi reindex</c>).
    /// </summary>
    public static IServiceCollection AddKeywordIndex(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(KeywordIndexWriter)))
        {
            services.AddSingleton<KeywordIndexWriter>();
            services.AddSingleton<IChunkDerivedIndex>(sp => sp.GetRequiredService<KeywordIndexWriter>());
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
