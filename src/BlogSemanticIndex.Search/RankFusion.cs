namespace BlogSemanticIndex.Search;

/// <summary>Reciprocal-rank fusion: score(post) = Σ over the legs that ranked it of 1 / (k + rank), ranks from 1.</summary>
public static class RankFusion
{
    /// <summary>
    /// Fuses two rankings (each best first, cids distinct). Ties are broken by cid ascending, so the order —
    /// and with it every page — is the same on every call for the same inputs.
    /// </summary>
    public static IReadOnlyList<RankedPost> Fuse(IReadOnlyList<long> keyword, IReadOnlyList<(long Cid, long ChunkId)> semantic, int k)
    {
        var posts = new Dictionary<long, RankedPost>();
        for (var i = 0; i < keyword.Count; i++)
        {
            posts[keyword[i]] = new RankedPost(keyword[i], 1.0 / (k + i + 1), i + 1, null, null);
        }
        for (var i = 0; i < semantic.Count; i++)
        {
            var (cid, chunkId) = semantic[i];
            var contribution = 1.0 / (k + i + 1);
            posts[cid] = posts.TryGetValue(cid, out var existing)
                ? existing with { Score = existing.Score + contribution, SemanticRank = i + 1, SemanticChunkId = chunkId }
                : new RankedPost(cid, contribution, null, i + 1, chunkId);
        }
        return posts.Values.OrderByDescending(p => p.Score).ThenBy(p => p.Cid).ToList();
    }
}
