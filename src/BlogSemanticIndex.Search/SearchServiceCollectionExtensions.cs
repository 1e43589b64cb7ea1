using BlogSemanticIndex.Settings;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Search.NodeIndexes;
using BlogSemanticIndex.Search.Vectors;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Wiring of the search library into a host.</summary>
public static class SearchServiceCollectionExtensions
{
    /// <summary>
    /// Registers the search core (options bound from <c>Search</c> and validated at start, the keyword and semantic
    /// legs, <see cref="SearchService"/>, <see cref="RelatedPosts"/>, the keyword index writer for the indexer); a host
    /// that serves HTTP calls <c>AddSearchApi</c> (BlogSemanticIndex.Search.Api) instead, which adds this.
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
        services.TryAddSingleton<ChangeSequence>();
        if (searchOptions.UsesNodeVectorIndex)
        {
            services.TryAddSingleton(_ => new NodeVectorIndex(SemanticSearcher.NodeGraphExpansion(searchOptions)));
            services.TryAddSingleton<VectorChangeFeed>();
            services.AddHostedService<VectorIndexSync>();
        }
        services.TryAddSingleton<KeywordSearcher>();
        services.AddHostedService<QuerySegmenterLoading>();
        services.TryAddSingleton<SemanticFloor>();
        // Searches embed through the query vector cache when it is on (Search:QueryVectorCacheSize).
        if (searchOptions.QueryVectorCacheSize > 0)
        {
            services.TryAddSingleton(sp => new CachingQueryEmbedder(sp.GetRequiredService<IQueryEmbedder>(), searchOptions.QueryVectorCacheSize));
        }
        services.TryAddSingleton(sp => new SemanticSearcher(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<WhiteningStore>(),
            (IQueryEmbedder?)sp.GetService<CachingQueryEmbedder>() ?? sp.GetRequiredService<IQueryEmbedder>(),
            sp.GetRequiredService<IOptions<SearchOptions>>(), sp.GetRequiredService<SemanticFloor>(), sp.GetService<NodeVectorIndex>()));
        services.TryAddSingleton<RankingCache>();
        services.TryAddSingleton<SearchService>();
        services.TryAddSingleton<RelatedPosts>();
        services.TryAddSingleton(TimeProvider.System);
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
}
