namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// What the keyword leg ranks by: the query's analysed terms with how often each occurs in the query (BM25 weighs a
/// repeated term that many times), and how many distinct terms a post must contain to be ranked at all (0 = any one).
/// </summary>
/// <remarks>
/// One object, so a query-side rule (e.g. a minimum-should-match for long Chinese queries, whose character bigrams
/// match almost everything one at a time) changes what every keyword path ranks by without touching the engines.
/// </remarks>
public sealed record KeywordQuery(IReadOnlyDictionary<string, int> Terms, int MinimumShouldMatch = 0)
{
    /// <summary>The query's terms from <see cref="TextAnalyzer.QueryTerms"/>, any one of them enough.</summary>
    public static KeywordQuery Parse(string query) => new(TextAnalyzer.QueryTerms(query));
}
