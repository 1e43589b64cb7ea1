using System.Diagnostics;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;

namespace BlogSemanticIndex.Evaluation;

/// <summary>What <c>bsi eval</c> can score: the service's three modes, and Typecho's own search for comparison.</summary>
public enum EvaluatedMode
{
    /// <summary>Typecho's <c>LIKE '%q%'</c> search (spaces as <c>%</c>, newest first), as the plugin's fallback runs it.</summary>
    KeywordLike,
    Keyword,
    Semantic,
    Hybrid,
}

/// <summary>Scores search modes on a labelled set against a live index, exactly as the service ranks.</summary>
public sealed class SearchModeEvaluation(SearchService search, KeywordSearcher keyword)
{
    public static string Name(EvaluatedMode mode) => mode switch
    {
        EvaluatedMode.KeywordLike => "keyword-like",
        _ => mode.ToString().ToLowerInvariant(),
    };

    public async Task<RetrievalScores> ScoreAsync(EvaluatedMode mode, IReadOnlyList<LabelledQuery> queries, CancellationToken cancellationToken = default)
    {
        var rankings = new List<IReadOnlyList<long>>(queries.Count);
        var watch = Stopwatch.StartNew();
        foreach (var query in queries)
        {
            rankings.Add(mode switch
            {
                // Typecho's own search lists every match.
                EvaluatedMode.KeywordLike => await keyword.FindSubstringMatchesAsync(query.Query, int.MaxValue, cancellationToken),
                EvaluatedMode.Keyword => await RankAsync(query.Query, SearchMode.Keyword),
                EvaluatedMode.Semantic => await RankAsync(query.Query, SearchMode.Semantic),
                _ => await RankAsync(query.Query, SearchMode.Hybrid),
            });
        }
        return RetrievalScores.Of(queries, rankings, watch.Elapsed.TotalMilliseconds);

        async Task<IReadOnlyList<long>> RankAsync(string text, SearchMode searchMode) =>
            [.. (await search.RankAsync(text, searchMode, cancellationToken)).Posts.Select(p => p.Cid)];
    }
}
