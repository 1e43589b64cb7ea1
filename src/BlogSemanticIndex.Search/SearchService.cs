using BlogSemanticIndex.Search.Keyword;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlogSemanticIndex.Search;

/// <summary>
/// Runs a search: the keyword leg (BM25, then Typecho's substring matches), the semantic leg (best chunk per
/// post), their weighted reciprocal-rank fusion (<see cref="RankFusion"/>), one page of it, and a snippet per hit.
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

    /// <summary>One page of results. The caller has validated the query (non-empty, ≤ 512 chars) and page bounds.</summary>
    /// <exception cref="SemanticUnavailableException">Semantic mode, and the semantic leg cannot run.</exception>
    public async Task<SearchResponse> SearchAsync(string query, SearchMode mode, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        var ranking = rankingCache is null
            ? await RankAsync(query, mode, cancellationToken)
            : await rankingCache.GetOrRankAsync(query, mode, () => RankAsync(query, mode, cancellationToken), cancellationToken);
        var pageItems = ranking.Posts.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var hits = await BuildHitsAsync(query, pageItems, cancellationToken);
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

    /// <summary>Terms of a post that make up its keyword query for related posts.</summary>
    private const int RelatedQueryTerms = 24;

    /// <summary>Posts related to <paramref name="cid"/>; null when the post is not in the index.</summary>
    /// <remarks>
    /// A post the encoder cannot read (its text's coverage below <see cref="SearchOptions.MinSemanticCoverage"/>) gets
    /// its related posts from the keyword leg — BM25 of its title and most distinctive terms — since its vector says
    /// nothing about it: with the English model a Chinese article on new-word discovery was related to cookware.
    /// </remarks>
    public async Task<RelatedResponse?> RelatedAsync(long cid, int limit, CancellationToken cancellationToken = default)
    {
        if (await ReadPostTextAsync(cid, cancellationToken) is not { } post)
        {
            return null;
        }
        IReadOnlyList<(long Cid, double Score)>? hits;
        if (semantic.MeasureCoverage(post.Text).Coverage < _options.MinSemanticCoverage)
        {
            var terms = await keyword.TopTermsAsync(cid, RelatedQueryTerms, cancellationToken);
            // Spaces keep the terms apart, so two Chinese terms do not make a bigram across their boundary. Any shared
            // term relates two posts: the nearest are ranked first, and a post's related list is never left empty by a
            // minimum-should-match meant for a visitor's long question.
            var query = KeywordQuery.Parse($"{post.Title} {string.Join(' ', terms)}") with { MinimumShouldMatch = 1 };
            hits = [.. (await keyword.RankBm25Async(query, limit + 1, cancellationToken)).Where(h => h.Cid != cid).Take(limit).Select(h => (h.Cid, h.Score))];
        }
        else
        {
            hits = (await semantic.RelatedAsync(cid, limit, cancellationToken))?.Select(h => (h.Cid, h.Similarity)).ToList();
        }
        if (hits is null)
        {
            return null;
        }
        var posts = await ReadPostsAsync(hits.Select(h => h.Cid).ToArray(), cancellationToken);
        return new RelatedResponse(cid, hits.Where(h => posts.ContainsKey(h.Cid)).Select(h =>
        {
            var row = posts[h.Cid];
            return new RelatedPost(h.Cid, row.Title, row.Slug, row.Created, row.Created.ToUnixTimeSeconds(), h.Score);
        }).ToList());
    }

    /// <summary>A post's title and indexed text (its chunks in order, overlap and all: only the share of scripts matters here).</summary>
    private async Task<(string Title, string Text)?> ReadPostTextAsync(long cid, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.title, coalesce(string_agg(c.text, E'\n' ORDER BY c.ordinal), '') FROM posts p LEFT JOIN chunks c ON c.cid = p.cid
            WHERE p.cid = @cid GROUP BY p.title
            """);
        command.Parameters.AddWithValue("cid", cid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    private sealed record PostRow(string Title, string? Slug, DateTimeOffset Created);

    private sealed record ChunkRow(long Id, int Ordinal, string Text, int CharStart);

    private async Task<Dictionary<long, PostRow>> ReadPostsAsync(long[] cids, CancellationToken cancellationToken)
    {
        var posts = new Dictionary<long, PostRow>();
        await using var command = dataSource.CreateCommand("SELECT cid, title, slug, created_at FROM posts WHERE cid = ANY(@cids)");
        command.Parameters.AddWithValue("cids", cids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            posts[reader.GetInt64(0)] = new PostRow(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3));
        }
        return posts;
    }

    /// <summary>
    /// Hits for one page. The snippet's chunk is the one matching most query terms and pieces; among equals
    /// (or when none matches) the semantic leg's best chunk, then the earliest.
    /// </summary>
    private async Task<IReadOnlyList<SearchHit>> BuildHitsAsync(string query, List<RankedPost> page, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return [];
        }
        var cids = page.Select(p => p.Cid).ToArray();
        var posts = await ReadPostsAsync(cids, cancellationToken);
        var chunks = new Dictionary<long, List<ChunkRow>>();
        await using (var command = dataSource.CreateCommand("SELECT cid, id, ordinal, text, char_start FROM chunks WHERE cid = ANY(@cids) ORDER BY cid, ordinal"))
        {
            command.Parameters.AddWithValue("cids", cids);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var cid = reader.GetInt64(0);
                if (!chunks.TryGetValue(cid, out var list))
                {
                    chunks[cid] = list = [];
                }
                list.Add(new ChunkRow(reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4)));
            }
        }

        var terms = KeywordQuery.Parse(query).Terms.Select(t => t.Term).ToHashSet(StringComparer.Ordinal);
        var pieces = KeywordSearcher.LikePieces(query);
        var hits = new List<SearchHit>(page.Count);
        foreach (var ranked in page)
        {
            // A post deleted between ranking and now is left out of the page rather than shown half-known.
            if (!posts.TryGetValue(ranked.Cid, out var post))
            {
                continue;
            }
            var snippet = new Snippet("", 0, 0);
            if (chunks.TryGetValue(ranked.Cid, out var postChunks) && postChunks.Count > 0)
            {
                var best = postChunks
                    .Select(c => (Chunk: c, Score: SnippetBuilder.MatchScore(c.Text, terms, pieces)))
                    .OrderByDescending(c => c.Score)
                    .ThenByDescending(c => c.Chunk.Id == ranked.SemanticChunkId)
                    .ThenBy(c => c.Chunk.Ordinal)
                    .First().Chunk;
                snippet = SnippetBuilder.Build(best.Text, best.CharStart, terms, pieces, _options.SnippetLength);
            }
            hits.Add(new SearchHit(ranked.Cid, post.Title, post.Slug, post.Created, post.Created.ToUnixTimeSeconds(), ranked.Score,
                snippet.Html, snippet.Start, snippet.End));
        }
        return hits;
    }
}
