using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>A post the keyword leg found: its BM25 score, or 0 when only the substring leg found it.</summary>
public readonly record struct KeywordHit(long Cid, double Score, bool SubstringMatch);

/// <summary>
/// The keyword leg: BM25 (k1 0.9, b 0.4, Lucene's idf) over the per-post term statistics, followed by every
/// post Typecho's own search would find (<c>title LIKE '%q%' OR text LIKE '%q%'</c>, spaces as <c>%</c>,
/// case-insensitive) that BM25 did not rank, so a result set never misses what the blog's own search finds.
/// The query text only ever travels as parameters.
/// </summary>
public sealed partial class KeywordSearcher(NpgsqlDataSource dataSource)
{
    public const double K1 = 0.9;
    public const double B = 0.4;

    // One statement: corpus statistics, document frequencies of the query's terms, then per-post sums.
    // idf = ln(1 + (N - df + 0.5) / (df + 0.5)); tf part = tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl)).
    private const string Bm25Sql = """
        WITH stats AS (
            SELECT count(*)::float8 AS n, coalesce(avg(length), 1)::float8 AS avgdl FROM keyword_docs
        ), q AS (
            SELECT term, qtf FROM unnest(@terms::text[], @qtf::int[]) AS q(term, qtf)
        ), df AS (
            SELECT k.term, count(*)::float8 AS df FROM keyword_postings k JOIN q USING (term) GROUP BY k.term
        ), scored AS (
            SELECT k.cid,
                   sum(q.qtf * ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5))
                       * k.tf * (@k1 + 1) / (k.tf + @k1 * (1 - @b + @b * d.length / s.avgdl))) AS score
            FROM keyword_postings k
            JOIN q USING (term)
            JOIN df USING (term)
            JOIN keyword_docs d ON d.cid = k.cid
            CROSS JOIN stats s
            GROUP BY k.cid
        )
        SELECT s.cid, s.score FROM scored s JOIN posts p ON p.cid = s.cid
        ORDER BY s.score DESC, s.cid
        LIMIT @limit
        """;

    // Typecho orders its own results newest first. The title and chunk matches are a UNION rather than
    // `title ILIKE … OR EXISTS (…)`, so each side can use its trigram index: the OR forces a scan of every
    // title (55 ms against 16 ms for a five-word claim over 25,000 posts, bench/LoadBench).
    private const string SubstringSql = """
        SELECT p.cid FROM posts p
        WHERE p.cid IN (SELECT cid FROM posts WHERE title ILIKE @pattern UNION SELECT cid FROM chunks WHERE text ILIKE @pattern)
        ORDER BY p.created_at DESC, p.cid DESC
        """;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>BM25-ranked posts (best first, ties by cid), then substring-only matches (newest first).</summary>
    public async Task<IReadOnlyList<KeywordHit>> SearchAsync(string query, int limit, CancellationToken cancellationToken = default)
    {
        var rankedTask = RankBm25Async(query, limit, cancellationToken);
        var substringTask = FindSubstringMatchesAsync(query, cancellationToken);
        await Task.WhenAll(rankedTask, substringTask);
        var ranked = rankedTask.Result;
        var seen = ranked.Select(h => h.Cid).ToHashSet();
        var hits = new List<KeywordHit>(ranked);
        foreach (var cid in substringTask.Result)
        {
            if (seen.Add(cid))
            {
                hits.Add(new KeywordHit(cid, 0, true));
            }
        }
        return hits;
    }

    /// <summary>BM25 alone: posts sharing at least one analysed term with the query, best first.</summary>
    public async Task<IReadOnlyList<KeywordHit>> RankBm25Async(string query, int limit, CancellationToken cancellationToken = default)
    {
        var terms = TextAnalyzer.QueryTerms(query);
        if (terms.Count == 0)
        {
            return [];
        }
        await using var command = dataSource.CreateCommand(Bm25Sql);
        command.Parameters.AddWithValue("terms", terms.Keys.ToArray());
        command.Parameters.AddWithValue("qtf", terms.Values.ToArray());
        command.Parameters.AddWithValue("k1", K1);
        command.Parameters.AddWithValue("b", B);
        command.Parameters.AddWithValue("limit", limit);
        var hits = new List<KeywordHit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(new KeywordHit(reader.GetInt64(0), reader.GetDouble(1), false));
        }
        return hits;
    }

    /// <summary>What Typecho's own search finds for <paramref name="query"/> (newest first).</summary>
    public async Task<IReadOnlyList<long>> FindSubstringMatchesAsync(string query, CancellationToken cancellationToken = default)
    {
        var pattern = LikePattern(query);
        if (pattern is null)
        {
            return [];
        }
        await using var command = dataSource.CreateCommand(SubstringSql);
        command.Parameters.AddWithValue("pattern", pattern);
        var cids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            cids.Add(reader.GetInt64(0));
        }
        return cids;
    }

    /// <summary>
    /// Typecho's pattern: <c>'%' . str_replace(' ', '%', $keywords) . '%'</c>, with LIKE's own wildcards in the
    /// query escaped (Typecho leaves them live; escaping only narrows what a literal <c>%</c> matches).
    /// Null for a query with nothing but spaces.
    /// </summary>
    internal static string? LikePattern(string query)
    {
        var pieces = LikePieces(query);
        if (pieces.Count == 0)
        {
            return null;
        }
        var pattern = new StringBuilder("%");
        foreach (var piece in pieces)
        {
            foreach (var c in piece)
            {
                if (c is '%' or '_' or '\\')
                {
                    pattern.Append('\\');
                }
                pattern.Append(c);
            }
            pattern.Append('%');
        }
        return pattern.ToString();
    }

    /// <summary>The query's space-separated pieces, in order (what the LIKE pattern requires, with anything between).</summary>
    internal static IReadOnlyList<string> LikePieces(string query) =>
        Whitespace().Split(query.Trim()).Where(p => p.Length > 0).ToArray();
}
