namespace SearchEval;

/// <summary>Binary-relevance ranking metrics, as BEIR / pytrec_eval compute them.</summary>
internal static class Metrics
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
