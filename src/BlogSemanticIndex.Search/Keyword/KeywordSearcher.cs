using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>A post the keyword leg found: its BM25 score (0 when only the substring leg found it), and whether
/// Typecho's own substring search finds it (the query's pieces occur in its title or text, in order).</summary>
public readonly record struct KeywordHit(long Cid, double Score, bool SubstringMatch);

/// <summary>
/// The keyword leg: BM25 (k1 0.9, b 0.4, Lucene's idf) over the per-post term statistics, followed by every
/// post Typecho's own search would find (<c>title LIKE '%q%' OR text LIKE '%q%'</c>, spaces as <c>%</c>,
/// case-insensitive) that BM25 did not rank, so a result set never misses what the blog's own search finds.
/// The query text only ever travels as parameters. BM25 ranks in this node's <see cref="LuceneKeywordIndex"/> once it
/// is built, else in PostgreSQL; both give the same list.
/// </summary>
public sealed partial class KeywordSearcher(NpgsqlDataSource dataSource, LuceneKeywordIndex? index = null)
{
    public const double K1 = 0.9;
    public const double B = 0.4;

    // The pruned top k (MaxScore over per-term upper bounds, migrations V006__keyword_top_k.sql and
    // V011__keyword_min_match.sql): one round trip.
    private const string TopKSql = "SELECT cid, score FROM keyword_top_k(@terms, @qtf, @limit, @k1, @b, p_min_match => @minMatch)";

    // The reference: every posting list summed, corpus statistics and df counted from the postings themselves.
    // Per posting w · tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl)) with w = qtf · ln(1 + (N - df + 0.5) / (df + 0.5)),
    // summed in term order and written as keyword_top_k writes it, so both give bit-identical scores; a document needs
    // the qtf of the terms it contains to sum to the query's minimum-should-match.
    private const string ExhaustiveSql = """
        WITH stats AS (
            SELECT count(*)::float8 AS n, CASE WHEN count(*) > 0 THEN sum(length)::float8 / count(*) ELSE 1 END AS avgdl FROM keyword_docs
        ), q AS (
            SELECT term, qtf FROM unnest(@terms::text[], @qtf::int[]) AS q(term, qtf)
        ), df AS (
            SELECT k.term, count(*)::float8 AS df FROM keyword_postings k JOIN q USING (term) GROUP BY k.term
        ), w AS (
            SELECT q.term, q.qtf, q.qtf * ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5)) AS weight FROM q JOIN df USING (term) CROSS JOIN stats s
        )
        SELECT k.cid, sum(w.weight * k.tf * (@k1 + 1) / (k.tf + @k1 * (1 - @b + @b * d.length / s.avgdl)) ORDER BY k.term) AS score
        FROM keyword_postings k
        JOIN w USING (term)
        JOIN keyword_docs d ON d.cid = k.cid
        CROSS JOIN stats s
        GROUP BY k.cid
        HAVING sum(w.qtf) >= @minMatch
        ORDER BY score DESC, k.cid
        LIMIT @limit
        """;

    // Typecho orders its own results newest first. The trigram path is a function (V015__substring_matches.sql) whose
    // plan is kept: planning an ILIKE here cost as much as running it. The trigram indexes are searched with @filter,
    // the query's rarest pieces (LikeFilter), and the whole @pattern checks the rows they find: a sentence's every
    // common word adds the long posting lists of its trigrams to the index scan (119 ms for a 17-word claim over
    // 100,000 chunks, bench/LoadBench).
    private const string TrigramSubstringSql = "SELECT trigram_substring_matches(@filter, @pattern, @limit)";

    // No piece has the three letters or digits in a row a trigram needs, but one is one or two Han (kana, Hangul)
    // characters. The analyzer wrote each such character of every post to keyword_postings as a unigram, counted in
    // exactly one chunk even where chunks overlap (a bigram across a chunk boundary can be lost, a character cannot),
    // so the posts holding all of the piece's characters are the candidates whose chunks are checked (posts.title
    // too, as the other paths do). Without this a two-character Chinese word scanned every chunk (575 ms over
    // 100,000 chunks, psql).
    private const string CjkSubstringSql = """
        SELECT p.cid FROM posts p
        WHERE p.cid IN (
            SELECT cid FROM posts WHERE title ILIKE @pattern
            UNION
            SELECT cid FROM chunks
            WHERE cid IN (SELECT cid FROM keyword_postings WHERE term = ANY(@characters) GROUP BY cid HAVING count(*) = cardinality(@characters))
              AND text ILIKE @pattern)
        ORDER BY p.created_at DESC, p.cid DESC
        LIMIT @limit
        """;

    // Nothing an index can narrow (`in a`, `e`, `c#`): such a pattern matches most posts, so the posts are walked
    // newest first (V014's index) and the walk stops at the limit instead of checking and sorting every post. OFFSET 0
    // keeps the EXISTS a per-post lookup: without it PostgreSQL may plan it as a hashed subplan, which runs the pattern
    // over every chunk before the first post is returned (`is an`: 256 ms over 100,000 chunks and 1,110 ms over 500,000,
    // against 25 and 28 ms per post; bench/LoadBench's indexes, psql).
    internal const string NewestFirstSubstringSql = """
        SELECT p.cid FROM posts p
        WHERE p.title ILIKE @pattern OR EXISTS (SELECT 1 FROM chunks c WHERE c.cid = p.cid AND c.text ILIKE @pattern OFFSET 0)
        ORDER BY p.created_at DESC, p.cid DESC
        LIMIT @limit
        """;

    /// <summary>How many of a query's pieces, the rarest, search the trigram index (<see cref="LikeFilter"/>).</summary>
    private const int FilterPieces = 2;

    // A post's most distinctive terms: tf × idf over its 200 most frequent terms (the idf lookups stay bounded on a long post).
    private const string TopTermsSql = """
        WITH stats AS (SELECT count(*)::float8 AS n FROM keyword_docs),
        mine AS (SELECT term, tf FROM keyword_postings WHERE cid = @cid ORDER BY tf DESC, term LIMIT 200)
        SELECT m.term FROM mine m CROSS JOIN stats s
        ORDER BY m.tf * ln(1 + (s.n - (SELECT count(*) FROM keyword_postings k WHERE k.term = m.term) + 0.5)
                 / ((SELECT count(*) FROM keyword_postings k WHERE k.term = m.term) + 0.5)) DESC, m.term
        LIMIT @count
        """;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>BM25-ranked posts (best first, ties by cid), then substring-only matches (newest first).</summary>
    public async Task<IReadOnlyList<KeywordHit>> SearchAsync(string query, int limit, CancellationToken cancellationToken = default)
    {
        var rankedTask = RankBm25Async(query, limit, cancellationToken);
        var substringTask = FindSubstringMatchesAsync(query, limit, cancellationToken);
        await Task.WhenAll(rankedTask, substringTask);
        var substring = substringTask.Result.ToHashSet();
        var hits = rankedTask.Result.Select(h => h with { SubstringMatch = substring.Contains(h.Cid) }).ToList();
        var seen = hits.Select(h => h.Cid).ToHashSet();
        foreach (var cid in substringTask.Result)
        {
            if (seen.Add(cid))
            {
                hits.Add(new KeywordHit(cid, 0, true));
            }
        }
        return hits;
    }

    /// <summary>
    /// BM25 alone: the <paramref name="limit"/> best posts matching the query's <see cref="KeywordQuery"/> (its terms,
    /// at least its minimum-should-match of them), best first (ties by cid): from the Lucene index when it is built, else
    /// the pruned top-k search in PostgreSQL.
    /// </summary>
    public Task<IReadOnlyList<KeywordHit>> RankBm25Async(string query, int limit, CancellationToken cancellationToken = default) =>
        RankBm25Async(KeywordQuery.Parse(query), limit, cancellationToken);

    /// <inheritdoc cref="RankBm25Async(string, int, CancellationToken)"/>
    public Task<IReadOnlyList<KeywordHit>> RankBm25Async(KeywordQuery query, int limit, CancellationToken cancellationToken = default)
    {
        if (index is { IsReady: true })
        {
            var hits = index.Search(query, limit);
            // KeywordQuery.Relaxed: a query whose minimum-should-match finds nothing is answered with any term instead.
            return Task.FromResult(hits.Count == 0 && query.Relaxed is { } relaxed ? index.Search(relaxed, limit) : hits);
        }
        return RankAsync(TopKSql, query, limit, cancellationToken);
    }

    /// <summary>
    /// The same ranking by summing every posting list of the query's terms in PostgreSQL: what
    /// <see cref="RankBm25Async(string, int, CancellationToken)"/> must equal (tested on random corpora) and what the
    /// benchmarks measure it against.
    /// </summary>
    public Task<IReadOnlyList<KeywordHit>> RankExhaustiveAsync(string query, int limit, CancellationToken cancellationToken = default) =>
        RankExhaustiveAsync(KeywordQuery.Parse(query), limit, cancellationToken);

    /// <inheritdoc cref="RankExhaustiveAsync(string, int, CancellationToken)"/>
    public Task<IReadOnlyList<KeywordHit>> RankExhaustiveAsync(KeywordQuery query, int limit, CancellationToken cancellationToken = default) =>
        RankAsync(ExhaustiveSql, query, limit, cancellationToken);

    /// <summary>The pruned top k in PostgreSQL, whether or not the Lucene index is built (the benchmarks' reference).</summary>
    internal Task<IReadOnlyList<KeywordHit>> RankPrunedInPostgresAsync(string query, int limit, CancellationToken cancellationToken = default) =>
        RankAsync(TopKSql, KeywordQuery.Parse(query), limit, cancellationToken);

    private async Task<IReadOnlyList<KeywordHit>> RankAsync(string sql, KeywordQuery query, int limit, CancellationToken cancellationToken)
    {
        if (query.IsEmpty)
        {
            return [];
        }
        var hits = await RankOnceAsync(sql, query, limit, cancellationToken);
        // KeywordQuery.Relaxed: a query whose minimum-should-match finds nothing is answered with any term instead.
        return hits.Count == 0 && query.Relaxed is { } relaxed ? await RankOnceAsync(sql, relaxed, limit, cancellationToken) : hits;
    }

    private async Task<IReadOnlyList<KeywordHit>> RankOnceAsync(string sql, KeywordQuery query, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("terms", query.Terms.Select(t => t.Term).ToArray());
        command.Parameters.AddWithValue("qtf", query.Terms.Select(t => t.Weight).ToArray());
        command.Parameters.AddWithValue("minMatch", query.MinimumShouldMatch);
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

    /// <summary>The <paramref name="count"/> terms of post <paramref name="cid"/> with the highest tf × idf, best first.</summary>
    public async Task<IReadOnlyList<string>> TopTermsAsync(long cid, int count, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(TopTermsSql);
        command.Parameters.AddWithValue("cid", cid);
        command.Parameters.AddWithValue("count", count);
        var terms = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            terms.Add(reader.GetString(0));
        }
        return terms;
    }

    /// <summary>What Typecho's own search finds for <paramref name="query"/>: the newest <paramref name="limit"/> posts.</summary>
    /// <remarks>Bounded like the BM25 list: a one-letter query matches nearly every post, and a page never needs them all.</remarks>
    public async Task<IReadOnlyList<long>> FindSubstringMatchesAsync(string query, int limit, CancellationToken cancellationToken = default)
    {
        var pieces = LikePieces(query);
        if (PatternOf(pieces) is not { } pattern)
        {
            return [];
        }
        var (sql, characters) = pieces.Any(HasTrigram) ? (TrigramSubstringSql, null)
            : pieces.Select(CjkCharacters).FirstOrDefault(c => c is not null) is { } cjk ? (CjkSubstringSql, cjk)
            : (NewestFirstSubstringSql, null);
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("filter", FilterOf(pieces, index is { IsReady: true } ? index.DocumentFrequency : null)!);
        command.Parameters.AddWithValue("characters", characters ?? []);
        command.Parameters.AddWithValue("pattern", pattern);
        command.Parameters.AddWithValue("limit", limit);
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
    internal static string? LikePattern(string query) => PatternOf(LikePieces(query));

    /// <summary>
    /// A looser pattern that every match of <see cref="LikePattern"/> also matches: the query's <see cref="FilterPieces"/>
    /// rarest pieces with a trigram, in the query's order. A piece is as rare as the fewest posts holding one of its words
    /// (<paramref name="postsWith"/>, the keyword index's document frequency); a piece no post holds as a word (a word's
    /// part, a typo) or without the counts ranks after those, then the longest, then the first.
    /// </summary>
    /// <remarks>
    /// Posts holding a rare word hold its trigrams, and GIN reads the common trigrams' posting lists only around the rare
    /// ones' rows: over 200 SciFact claims on LoadBench's 100,000 chunks the two rarest pieces took 1.7 ms per search
    /// against 3.6 ms for the three longest (psql, generic plans).
    /// </remarks>
    internal static string? LikeFilter(string query, Func<string, int>? postsWith = null) => FilterOf(LikePieces(query), postsWith);

    private static string? FilterOf(IReadOnlyList<string> pieces, Func<string, int>? postsWith)
    {
        var chosen = pieces
            .Select((piece, at) => (piece, at, trigram: HasTrigram(piece), posts: PostsHoldingAWordOf(piece, postsWith)))
            .OrderByDescending(p => p.trigram).ThenBy(p => p.posts).ThenByDescending(p => p.piece.Length).ThenBy(p => p.at)
            .Take(FilterPieces);
        return PatternOf([.. chosen.OrderBy(p => p.at).Select(p => p.piece)]);
    }

    private static int PostsHoldingAWordOf(string piece, Func<string, int>? postsWith) =>
        postsWith is null ? int.MaxValue
        : TextAnalyzer.Analyze(piece).Select(t => postsWith(t.Term)).Where(n => n > 0).DefaultIfEmpty(int.MaxValue).Min();

    private static string? PatternOf(IReadOnlyList<string> pieces)
    {
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

    /// <summary>
    /// Whether pg_trgm takes a trigram from <paramref name="piece"/> of a LIKE pattern: it pads each run of letters and
    /// digits with two blanks before and one after, except next to a wildcard (the pattern's <c>%</c> around every
    /// piece), and a run so padded yields its length − 2 trigrams. <c>abc</c> and <c>IL-6</c> (<c>il␣</c>, <c>␣␣6</c>)
    /// do; <c>in</c>, <c>c#</c> and <c>e</c> do not.
    /// </summary>
    internal static bool HasTrigram(string piece)
    {
        var runes = piece.EnumerateRunes().ToList();
        var start = 0;
        while (start < runes.Count)
        {
            if (!Rune.IsLetterOrDigit(runes[start]))
            {
                start++;
                continue;
            }
            var end = start;
            while (end < runes.Count && Rune.IsLetterOrDigit(runes[end]))
            {
                end++;
            }
            var padded = end - start + (start > 0 ? 2 : 0) + (end < runes.Count ? 1 : 0);
            if (padded >= 3)
            {
                return true;
            }
            start = end;
        }
        return false;
    }

    /// <summary>
    /// For a piece of one or two CJK characters and nothing else, their distinct index terms (the analyzer's unigrams);
    /// null for any other piece.
    /// </summary>
    internal static string[]? CjkCharacters(string piece)
    {
        var runes = piece.EnumerateRunes().ToList();
        return runes.Count is 1 or 2 && runes.All(TextAnalyzer.IsCjk)
            ? [.. runes.Select(r => TextAnalyzer.Analyze(r.ToString()).Single().Term).Distinct(StringComparer.Ordinal)]
            : null;
    }

    /// <summary>The query's space-separated pieces, in order (what the LIKE pattern requires, with anything between).</summary>
    internal static IReadOnlyList<string> LikePieces(string query) =>
        Whitespace().Split(query.Trim()).Where(p => p.Length > 0).ToArray();
}
