using BlogSemanticIndex.Search.Keyword;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlogSemanticIndex.Search;

/// <summary>Posts related to a post: the nearest by vector, or by its distinctive terms where the encoder cannot read it.</summary>
/// <remarks>
/// A post the encoder cannot read (its text's coverage below <see cref="SearchOptions.MinSemanticCoverage"/>) gets
/// its related posts from the keyword leg — BM25 of its title and most distinctive terms — since its vector says
/// nothing about it: with the English model a Chinese article on new-word discovery was related to cookware.
/// </remarks>
public sealed class RelatedPosts(NpgsqlDataSource dataSource, KeywordSearcher keyword, SemanticSearcher semantic, IOptions<SearchOptions> options)
{
    /// <summary>Terms of a post that make up its keyword query.</summary>
    private const int QueryTerms = 24;

    private readonly double _minSemanticCoverage = options.Value.MinSemanticCoverage;

    /// <summary>Up to <paramref name="limit"/> posts related to <paramref name="cid"/>, nearest first; null when the post is not in the index.</summary>
    /// <exception cref="SemanticUnavailableException">The post needs the semantic leg, and it cannot run.</exception>
    public async Task<RelatedResponse?> FindAsync(long cid, int limit, CancellationToken cancellationToken = default)
    {
        if (await ReadPostTextAsync(cid, cancellationToken) is not { } post)
        {
            return null;
        }
        IReadOnlyList<(long Cid, double Score)>? hits;
        if (semantic.MeasureCoverage(post.Text).Coverage < _minSemanticCoverage)
        {
            var terms = await keyword.TopTermsAsync(cid, QueryTerms, cancellationToken);
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
        var posts = await SearchHitBuilder.ReadPostsAsync(dataSource, [.. hits.Select(h => h.Cid)], cancellationToken);
        return new RelatedResponse(cid, [.. hits.Where(h => posts.ContainsKey(h.Cid)).Select(h =>
        {
            var row = posts[h.Cid];
            return new RelatedPost(h.Cid, row.Title, row.Slug, row.Created, row.Created.ToUnixTimeSeconds(), h.Score);
        })]);
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
}
