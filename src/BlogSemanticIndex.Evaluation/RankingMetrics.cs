namespace BlogSemanticIndex.Evaluation;

/// <summary>Binary-relevance ranking metrics, computed as BEIR / pytrec_eval do.</summary>
public static class RankingMetrics
{
    public static double NdcgAt(IReadOnlyList<long> ranking, IReadOnlySet<long> relevant, int k)
    {
        var dcg = 0.0;
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (relevant.Contains(ranking[i]))
            {
                dcg += 1 / Math.Log2(i + 2);
            }
        }
        var ideal = 0.0;
        for (var i = 0; i < Math.Min(k, relevant.Count); i++)
        {
            ideal += 1 / Math.Log2(i + 2);
        }
        return ideal == 0 ? 0 : dcg / ideal;
    }

    public static double MrrAt(IReadOnlyList<long> ranking, IReadOnlySet<long> relevant, int k)
    {
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (relevant.Contains(ranking[i]))
            {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    public static double RecallAt(IReadOnlyList<long> ranking, IReadOnlySet<long> relevant, int k) =>
        relevant.Count == 0 ? 0 : (double)ranking.Take(k).Count(relevant.Contains) / relevant.Count;
}

/// <summary>Mean nDCG@10, MRR@10 and Recall@50 over a labelled set, and the mean time per query.</summary>
public sealed record RetrievalScores(double NdcgAt10, double MrrAt10, double RecallAt50, double MillisecondsPerQuery, int Queries)
{
    /// <summary>Scores rankings already computed (one per query, in the set's order).</summary>
    public static RetrievalScores Of(IReadOnlyList<LabelledQuery> queries, IReadOnlyList<IReadOnlyList<long>> rankings, double totalMilliseconds = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(rankings.Count, queries.Count);
        double ndcg = 0, mrr = 0, recall = 0;
        for (var i = 0; i < queries.Count; i++)
        {
            ndcg += RankingMetrics.NdcgAt(rankings[i], queries[i].Relevant, 10);
            mrr += RankingMetrics.MrrAt(rankings[i], queries[i].Relevant, 10);
            recall += RankingMetrics.RecallAt(rankings[i], queries[i].Relevant, 50);
        }
        var n = Math.Max(1, queries.Count);
        return new RetrievalScores(ndcg / n, mrr / n, recall / n, totalMilliseconds / n, queries.Count);
    }
}
