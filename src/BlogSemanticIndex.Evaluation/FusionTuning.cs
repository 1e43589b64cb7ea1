using BlogSemanticIndex.Search;

namespace BlogSemanticIndex.Evaluation;

/// <summary>
/// Fits hybrid fusion to a labelled set (<c>bsi eval --tune-fusion SET</c>): both legs run once per query, then every
/// candidate setting is fused in memory exactly as <see cref="SearchService"/> fuses, and scored.
/// </summary>
public static class FusionTuning
{
    /// <summary>One setting of the <c>Search</c> section's fusion keys.</summary>
    public sealed record Candidate(double KeywordWeight, double SemanticWeight, int RrfK, double MinSemanticCoverage, bool ExactMatchesFirst)
    {
        public static Candidate From(SearchOptions options) =>
            new(options.KeywordWeight, options.SemanticWeight, options.RrfK, options.MinSemanticCoverage, options.ExactMatchesFirst);

        public SearchOptions ApplyTo(SearchOptions options) => new()
        {
            KeywordWeight = KeywordWeight,
            SemanticWeight = SemanticWeight,
            RrfK = RrfK,
            MinSemanticCoverage = MinSemanticCoverage,
            ExactMatchesFirst = ExactMatchesFirst,
            KeywordCandidates = options.KeywordCandidates,
            SemanticCandidates = options.SemanticCandidates,
        };

        /// <summary>The flags that make the service fuse this way.</summary>
        public string AsSettings() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"--set Search:SemanticWeight={SemanticWeight} --set Search:RrfK={RrfK} --set Search:MinSemanticCoverage={MinSemanticCoverage} --set Search:ExactMatchesFirst={ExactMatchesFirst.ToString().ToLowerInvariant()}");
    }

    public sealed record Result(Candidate Candidate, RetrievalScores Scores);

    private static readonly double[] GridSemanticWeights = [0, 0.25, 0.5, 0.75, 1, 1.5, 2];
    private static readonly int[] GridRrfKs = [10, 30, 60, 100];
    private static readonly double[] GridMinCoverages = [0, 0.5, 0.9];
    private static readonly bool[] GridExactRules = [true, false];

    /// <summary>
    /// The grid searched: the keyword weight stays 1 (only the ratio of the weights matters to the order), the semantic
    /// weight from 0 (keyword order) to 2, RRF's k, the coverage below which the semantic leg is left out, and the exact-match rule.
    /// </summary>
    public static IReadOnlyList<Candidate> Grid() =>
    [
        .. from semantic in GridSemanticWeights
           from k in GridRrfKs
           from minCoverage in GridMinCoverages
           from exact in GridExactRules
           select new Candidate(1, semantic, k, minCoverage, exact),
    ];

    /// <summary>What both legs found for each query of a set, run once so that many fusions can be scored on them.</summary>
    public sealed record Legs(IReadOnlyList<LabelledQuery> Queries, IReadOnlyList<(SearchLegs Keyword, SearchLegs Semantic)> PerQuery);

    public static async Task<Legs> RunLegsAsync(SearchService search, IReadOnlyList<LabelledQuery> queries, CancellationToken cancellationToken = default)
    {
        var perQuery = new List<(SearchLegs, SearchLegs)>(queries.Count);
        foreach (var query in queries)
        {
            perQuery.Add((await search.RunLegsAsync(query.Query, SearchMode.Keyword, cancellationToken),
                await search.RunLegsAsync(query.Query, SearchMode.Semantic, cancellationToken)));
        }
        return new Legs(queries, perQuery);
    }

    /// <summary>Scores each candidate as the service would fuse with it.</summary>
    public static IReadOnlyList<Result> Score(Legs legs, IReadOnlyList<Candidate> candidates) =>
    [
        .. candidates.Select(candidate =>
        {
            var options = candidate.ApplyTo(new SearchOptions());
            var rankings = legs.Queries.Select((q, i) => (IReadOnlyList<long>)[.. Fuse(options, q.Query, legs.PerQuery[i].Keyword.Keyword,
                legs.PerQuery[i].Semantic.Semantic, legs.PerQuery[i].Semantic.Coverage)]).ToList();
            return new Result(candidate, RetrievalScores.Of(legs.Queries, rankings));
        }),
    ];

    /// <summary>Equal-weight RRF (k = 60) of the whole legs, blind to coverage and exact matches: the fusion before issue 13.</summary>
    public static RetrievalScores ScorePlainRrf(Legs legs) => RetrievalScores.Of(legs.Queries,
    [
        .. legs.PerQuery.Select(l => (IReadOnlyList<long>)[.. RankFusion.Fuse([.. l.Keyword.Keyword.Select(h => h.Cid)],
            [.. l.Semantic.Semantic.Select(h => (h.Cid, h.ChunkId))], 60).Select(p => p.Cid)]),
    ]);

    /// <summary>As the service fuses: below the minimum coverage the semantic leg is not run at all.</summary>
    private static IEnumerable<long> Fuse(SearchOptions options, string query, IReadOnlyList<Search.Keyword.KeywordHit> keyword,
        IReadOnlyList<SemanticHit> semantic, double coverage) =>
        RankFusion.Fuse(keyword, coverage < options.MinSemanticCoverage ? [] : [.. semantic.Select(h => (h.Cid, h.ChunkId))],
            options.FusionFor(coverage, query)).Select(p => p.Cid);
}
