using BlogSemanticIndex.Search.Keyword;

namespace BlogSemanticIndex.Search;

/// <summary>How the two legs are fused for one query.</summary>
/// <param name="Keyword">Weight of the keyword leg's reciprocal ranks.</param>
/// <param name="Semantic">Weight of the semantic leg's reciprocal ranks (0: the keyword order alone).</param>
/// <param name="K">The k of reciprocal-rank fusion.</param>
/// <param name="ExactMatchesFirst">
/// No post only the semantic leg found may rank above a post that contains the query as Typecho's search matches it.
/// </param>
public readonly record struct FusionWeights(double Keyword, double Semantic, int K, bool ExactMatchesFirst);

/// <summary>
/// Weighted reciprocal-rank fusion: score(post) = Σ over the legs that ranked it of weight / (k + rank), ranks from 1,
/// then, when asked, posts containing the query exactly are kept above posts only the semantic leg found.
/// </summary>
/// <remarks>
/// Why the exact-match rule on top of the weights: an owner who types a term from a post expects that post first, and a
/// semantic leg that cannot read the query (or reads it badly) ranks unrelated posts with the same confidence as
/// related ones. With equal weights a Chinese term the keyword leg ranked 1st fell to 23rd among MiniLM's noise.
/// </remarks>
public static class RankFusion
{
    /// <summary>Plain RRF of two rankings, equal weights, no exact-match rule (the whitening sweep's hybrid).</summary>
    public static IReadOnlyList<RankedPost> Fuse(IReadOnlyList<long> keyword, IReadOnlyList<(long Cid, long ChunkId)> semantic, int k) =>
        Fuse([.. keyword.Select(cid => new KeywordHit(cid, 0, false))], semantic, new FusionWeights(1, 1, k, false));

    /// <summary>
    /// Fuses the legs (each best first, cids distinct). Ties are broken by cid ascending, so the order — and with it every
    /// page — is the same on every call for the same inputs.
    /// </summary>
    public static IReadOnlyList<RankedPost> Fuse(IReadOnlyList<KeywordHit> keyword, IReadOnlyList<(long Cid, long ChunkId)> semantic, FusionWeights weights)
    {
        var posts = new Dictionary<long, RankedPost>();
        var exact = new HashSet<long>();
        for (var i = 0; i < keyword.Count; i++)
        {
            posts[keyword[i].Cid] = new RankedPost(keyword[i].Cid, weights.Keyword / (weights.K + i + 1), i + 1, null, null);
            if (keyword[i].SubstringMatch)
            {
                exact.Add(keyword[i].Cid);
            }
        }
        for (var i = 0; i < semantic.Count; i++)
        {
            var (cid, chunkId) = semantic[i];
            var contribution = weights.Semantic / (weights.K + i + 1);
            posts[cid] = posts.TryGetValue(cid, out var existing)
                ? existing with { Score = existing.Score + contribution, SemanticRank = i + 1, SemanticChunkId = chunkId }
                : new RankedPost(cid, contribution, null, i + 1, chunkId);
        }
        var fused = posts.Values.OrderByDescending(p => p.Score).ThenBy(p => p.Cid).ToList();
        return weights.ExactMatchesFirst ? SemanticOnlyAfterExactMatches(fused, exact) : fused;
    }

    /// <summary>
    /// Moves every semantic-only post that sits above the last exact match to just below it, keeping the order within
    /// each group: the least change to the fused order that puts no semantic-only post above an exact match.
    /// </summary>
    private static List<RankedPost> SemanticOnlyAfterExactMatches(List<RankedPost> fused, HashSet<long> exact)
    {
        var lastExact = fused.FindLastIndex(p => exact.Contains(p.Cid));
        if (lastExact < 0)
        {
            return fused;
        }
        var head = fused.Take(lastExact + 1).ToList();
        return [.. head.Where(p => p.KeywordRank is not null), .. head.Where(p => p.KeywordRank is null), .. fused.Skip(lastExact + 1)];
    }
}
