using BlogSemanticIndex.Search.Keyword;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlogSemanticIndex.Search;

/// <summary>
/// Runs a search: the keyword leg (BM25, then Typecho's substring matches), the semantic leg (best chunk per
/// post), their weighted reciprocal-rank fusion (<see cref="RankFusion"/>), cached whole (<see cref="RankingCache"/>),
/// and one page of it with a snippet per hit (<see cref="SearchHitBuilder"/>).
/// </summary>
/// <remarks>
/// Results are per post. In the semantic leg a post scores by its best chunk; in the keyword leg BM25 scores
/// the post's whole text, so terms spread over several chunks all count; in hybrid mode a post found by both
/// legs adds both weighted reciprocal ranks and so rises above posts only one leg found. The semantic leg's weight
/// follows the encoder's coverage of the query, so a query the encoder cannot read is ranked by the keyword leg. The candidate lists do not
/// depend on the page asked for, so pages never overlap or skip, and ties are broken by cid.
/// </remarks>
public sealed class SearchService(
    NpgsqlDataSource dataSource,
    KeywordSearcher keyword,
    SemanticSearcher semantic,
    IOptions<SearchOptions> options,
    ILogger<SearchService>? logger = null,
    RankingCache? rankingCache = null)
{
    private readonly SearchOptions _options = options.Value;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly SearchHitBuilder _hits = new(dataSource, options);

    /// <summary>One page of results. The caller has validated the query (non-empty, ≤ 512 chars) and page bounds.</summary>
    /// <exception cref="SemanticUnavailableException">Semantic mode, and the semantic leg cannot run.</exception>
    public async Task<SearchResponse> SearchAsync(string query, SearchMode mode, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        var ranking = rankingCache is null
            ? await RankAsync(query, mode, cancellationToken)
            : await rankingCache.GetOrRankAsync(query, mode, () => RankAsync(query, mode, cancellationToken), cancellationToken);
        var pageItems = ranking.Posts.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var hits = await _hits.BuildAsync(query, pageItems, cancellationToken);
        return new SearchResponse(ranking.Posts.Count, page, pageSize, mode.Name(), hits, ranking.Warnings);
    }

    /// <summary>The whole ranked list for a query (what the pages are cut from).</summary>
    public async Task<(IReadOnlyList<RankedPost> Posts, IReadOnlyList<string>? Warnings)> RankAsync(string query, SearchMode mode,
        CancellationToken cancellationToken = default)
    {
        var legs = await RunLegsAsync(query, mode, cancellationToken);
        IReadOnlyList<RankedPost> posts = mode switch
        {
            SearchMode.Keyword => legs.Keyword.Select((h, i) => new RankedPost(h.Cid, h.Score, i + 1, null, null)).ToList(),
            SearchMode.Semantic => legs.Semantic.Select((h, i) => new RankedPost(h.Cid, h.Similarity, null, i + 1, h.ChunkId)).ToList(),
            _ => RankFusion.Fuse(legs.Keyword, [.. legs.Semantic.Select(h => (h.Cid, h.ChunkId))], _options.FusionFor(legs.Coverage, query)),
        };
        return (posts, legs.Warnings);
    }

    /// <summary>What each leg found for a query, and the encoder's coverage of it (fusion is left to the caller).</summary>
    /// <remarks>
    /// In hybrid mode the semantic leg is not run for a query the encoder barely reads (coverage below
    /// <see cref="SearchOptions.MinSemanticCoverage"/>): its weight would be 0, and the query embedding is most of a search's CPU.
    /// </remarks>
    public async Task<SearchLegs> RunLegsAsync(string query, SearchMode mode, CancellationToken cancellationToken = default)
    {
        var coverage = semantic.MeasureCoverage(query).Coverage;
        // The legs run side by side: the keyword leg waits on PostgreSQL while the semantic leg embeds the query.
        var keywordTask = mode is SearchMode.Hybrid or SearchMode.Keyword
            ? keyword.SearchAsync(query, _options.KeywordCandidates, cancellationToken)
            : Task.FromResult<IReadOnlyList<KeywordHit>>([]);
        IReadOnlyList<SemanticHit> semanticHits = [];
        List<string>? warnings = null;
        try
        {
            if (mode == SearchMode.Semantic || mode == SearchMode.Hybrid && coverage >= _options.MinSemanticCoverage)
            {
                semanticHits = await semantic.SearchAsync(query, _options.SemanticCandidates, cancellationToken);
            }
        }
        catch (SemanticUnavailableException e) when (mode == SearchMode.Hybrid)
        {
            // Hybrid degrades to keyword results, and says so in the response and the log.
            _logger.SemanticLegUnavailable(e.Message);
            warnings = [$"semantic ranking unavailable ({e.Message}); results are keyword matches only"];
        }
        finally
        {
            // Never leave the keyword leg running unobserved when the semantic leg threw.
            if (!keywordTask.IsCompleted)
            {
                await Task.WhenAny(keywordTask);
            }
        }
        var keywordHits = await keywordTask;
        return new SearchLegs(keywordHits, ApplyRelevanceFloor(mode, keywordHits.Count > 0, semanticHits), coverage, warnings);
    }

    /// <summary>
    /// What the relevance floor removes: in hybrid search, when the keyword leg found nothing (no term, no substring),
    /// every semantic post below the floor, so a query that matches nothing returns nothing. Otherwise nothing.
    /// </summary>
    /// <remarks>
    /// Not every post below the floor everywhere: on the demo blog (MiniLM, raw vectors) nonsense reaches 0.368 while
    /// real paraphrases' relevant posts score from 0.17. Cutting every list at the floor cost semantic nDCG@10
    /// 0.737 → 0.525 and hybrid 0.858 → 0.837; dropping semantic mode's list when its best post is below the floor,
    /// semantic 0.737 → 0.595. This rule leaves both unchanged (README, "Relevance floor").
    /// </remarks>
    internal static IReadOnlyList<SemanticHit> ApplyRelevanceFloor(SearchMode mode, bool keywordMatched, IReadOnlyList<SemanticHit> hits) =>
        mode == SearchMode.Hybrid && !keywordMatched ? [.. hits.Where(h => h.ClearsFloor)] : hits;
}
