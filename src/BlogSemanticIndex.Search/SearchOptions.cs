using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Search;

/// <summary>Search ranking and the HTTP edge (configuration section <c>Search</c>).</summary>
public sealed class SearchOptions : IValidatedSection<SearchOptions>
{
    public const string SectionName = "Search";

    static string IValidatedSection<SearchOptions>.SectionName => SectionName;

    /// <summary>Longest accepted query, in UTF-16 characters.</summary>
    public const int MaxQueryLength = 512;

    public const int MaxPageSize = 50;
    public const int MaxPage = 1000;

    /// <summary>
    /// pgvector <c>hnsw.ef_search</c>: candidate list of the HNSW scan (recall against latency); the semantic leg
    /// raises it to the rows it fetches (4 per candidate post) where that is more, up to 1000.
    /// </summary>
    public int EfSearch { get; set; } = 100;

    /// <summary>How many posts the semantic leg contributes (its ranking depth, and so its share of the total).</summary>
    public int SemanticCandidates { get; set; } = 100;

    /// <summary>
    /// The semantic leg keeps only posts more similar to the query than nonsense gets to this blog
    /// (<see cref="SemanticFloor"/>), so a query that matches nothing returns nothing; false keeps its whole list.
    /// </summary>
    public bool RelevanceFloor { get; set; } = true;

    /// <summary>How many BM25-ranked posts the keyword leg contributes at most (substring matches are always added).</summary>
    public int KeywordCandidates { get; set; } = 1000;

    /// <summary>
    /// Where the keyword leg's BM25 ranks: <c>lucene</c> (this node's in-memory Lucene.NET copy of the keyword statistics,
    /// built at start and kept current from PostgreSQL; PostgreSQL ranks until it is built) or <c>postgres</c> (always
    /// the pruned top k in PostgreSQL).
    /// </summary>
    public string KeywordIndex { get; set; } = "lucene";

    /// <summary>
    /// Where the semantic leg finds its nearest chunks: <c>node</c> (this node's in-memory HNSW graph of the searched
    /// vectors, built at start and kept current from PostgreSQL; pgvector until it is built) or <c>postgres</c> (always
    /// pgvector's HNSW index).
    /// </summary>
    public string VectorIndex { get; set; } = "node";

    /// <summary>
    /// Where this node saves its vector graph (one folder per index store), so a restart takes it up and applies what
    /// changed meanwhile instead of building it again (minutes at 100,000 chunks); empty: <c>blogsemanticindex/vector-index</c>
    /// in the user's cache folder (<c>$XDG_CACHE_HOME</c>, else <c>~/.cache</c>). Derived data: safe to delete.
    /// </summary>
    public string VectorIndexFolder { get; set; } = "";

    /// <summary>Whether the vector graph is saved (after each build, every <see cref="VectorIndexSaveInterval"/> while it changes, and at shutdown).</summary>
    public bool SaveVectorIndex { get; set; } = true;

    /// <summary>
    /// How often a changing graph is saved again; a restart applies the changes since the save, which are kept for an
    /// hour (<see cref="NodeIndexes.ChangeSequence.Retention"/>), so it must stay well under that.
    /// </summary>
    public TimeSpan VectorIndexSaveInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The folder of saved vector graphs, <see cref="VectorIndexFolder"/> or its default.</summary>
    public string VectorIndexFolderOrDefault => VectorIndexFolder is { Length: > 0 } folder ? folder : Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
            ? cache : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "blogsemanticindex", "vector-index");

    /// <summary>Whether this node searches its own HNSW graph of the vectors.</summary>
    public bool UsesNodeVectorIndex => VectorIndex.Equals("node", StringComparison.OrdinalIgnoreCase);

    /// <summary>How often a node's own indexes (keyword, vectors) look for changes (one single-row read when nothing changed).</summary>
    public TimeSpan KeywordIndexRefresh { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Whether this node ranks the keyword leg in its own Lucene index.</summary>
    public bool UsesLuceneKeywordIndex => KeywordIndex.Equals("lucene", StringComparison.OrdinalIgnoreCase);

    /// <summary>The k of reciprocal-rank fusion: score = Σ weight / (k + rank).</summary>
    public int RrfK { get; set; } = 60;

    /// <summary>
    /// How long a whole ranking is kept for the next page or the same query (<see cref="RankingCache"/>; a change to
    /// any post invalidates it sooner); 0 turns the cache off.
    /// </summary>
    public int RankingCacheSeconds { get; set; } = 60;

    /// <summary>The ranking cache's size, in ranked posts summed over its entries (an entry of 1,000 posts is ~50 kB).</summary>
    public int RankingCachePosts { get; set; } = 500_000;

    /// <summary>Query vectors kept for repeated queries (<see cref="CachingQueryEmbedder"/>; ~1.5 kB each at 384 dimensions); 0 turns the cache off.</summary>
    public int QueryVectorCacheSize { get; set; } = 10_000;

    /// <summary>Weight of the keyword leg in hybrid fusion.</summary>
    public double KeywordWeight { get; set; } = 1;

    /// <summary>
    /// Weight of the semantic leg in hybrid fusion for a query the encoder reads entirely; a query it reads in part gets
    /// this times its coverage (the share of its letters the encoder reads).
    /// </summary>
    public double SemanticWeight { get; set; } = 1;

    /// <summary>
    /// Below this coverage of a query the semantic leg is left out of hybrid search (its ranking would be noise): with the
    /// English builtin model, Chinese queries are ranked by the keyword leg.
    /// </summary>
    public double MinSemanticCoverage { get; set; } = 0.5;

    /// <summary>In hybrid search, posts containing the query (as Typecho's search matches it) rank above posts only the semantic leg found.</summary>
    public bool ExactMatchesFirst { get; set; } = true;

    /// <summary>Snippet length in characters.</summary>
    public int SnippetLength { get; set; } = 240;

    /// <summary>When set, <c>/search</c> requires this value in the <c>X-Api-Key</c> header.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Requests per minute per client address; 0 turns the limit off.</summary>
    public int RateLimitPerMinute { get; set; } = 600;

    /// <summary>Origins allowed to call the API from a browser; empty (the default) sends no CORS headers.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>
    /// The most a search or related-posts request waits for the index database (connecting included) before it
    /// answers 503, so a wedged database costs visitors seconds rather than the driver's 15–30 s timeouts.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The fusion weights for a query the encoder reads <paramref name="coverage"/> of (0 to 1).</summary>
    public FusionWeights FusionFor(double coverage, string query) => new(
        KeywordWeight,
        coverage < MinSemanticCoverage ? 0 : SemanticWeight * coverage,
        RrfK,
        ExactMatchesFirst && IsTermOrPhrase(query));

    /// <summary>
    /// Whether containing the query means something: at least two letters or digits (a single letter or character
    /// occurs in almost every post).
    /// </summary>
    private static bool IsTermOrPhrase(string query) => query.EnumerateRunes().Count(System.Text.Rune.IsLetterOrDigit) >= 2;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (EfSearch is < 1 or > 1000)
        {
            errors.Add($"{SectionName}:EfSearch is {EfSearch}; allowed: 1 to 1000 (pgvector's range for hnsw.ef_search).");
        }
        if (SemanticCandidates is < 1 or > 10000)
        {
            errors.Add($"{SectionName}:SemanticCandidates is {SemanticCandidates}; allowed: 1 to 10000.");
        }
        if (KeywordCandidates is < 1 or > 100000)
        {
            errors.Add($"{SectionName}:KeywordCandidates is {KeywordCandidates}; allowed: 1 to 100000.");
        }
        if (!KeywordIndex.Equals("lucene", StringComparison.OrdinalIgnoreCase) && !KeywordIndex.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{SectionName}:KeywordIndex is \"{KeywordIndex}\"; allowed: lucene, postgres.");
        }
        if (!VectorIndex.Equals("node", StringComparison.OrdinalIgnoreCase) && !VectorIndex.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{SectionName}:VectorIndex is \"{VectorIndex}\"; allowed: node, postgres.");
        }
        if (KeywordIndexRefresh < TimeSpan.FromMilliseconds(10) || KeywordIndexRefresh > TimeSpan.FromSeconds(1))
        {
            errors.Add($"{SectionName}:KeywordIndexRefresh is {KeywordIndexRefresh}; allowed: 00:00:00.01 to 00:00:01.");
        }
        if (RrfK is < 1 or > 1000)
        {
            errors.Add($"{SectionName}:RrfK is {RrfK}; allowed: 1 to 1000 (60 is the usual value).");
        }
        if (RankingCacheSeconds is < 0 or > 86400)
        {
            errors.Add($"{SectionName}:RankingCacheSeconds is {RankingCacheSeconds}; allowed: 0 (off) to 86400.");
        }
        if (QueryVectorCacheSize is < 0 or > 10_000_000)
        {
            errors.Add($"{SectionName}:QueryVectorCacheSize is {QueryVectorCacheSize}; allowed: 0 (off) to 10000000 query vectors.");
        }
        if (RankingCachePosts < 1)
        {
            errors.Add($"{SectionName}:RankingCachePosts is {RankingCachePosts}; allowed: a positive number of ranked posts.");
        }
        if (KeywordWeight is < 0 or > 100 || double.IsNaN(KeywordWeight))
        {
            errors.Add($"{SectionName}:KeywordWeight is {KeywordWeight}; allowed: 0 to 100 (1 is the default).");
        }
        if (SemanticWeight is < 0 or > 100 || double.IsNaN(SemanticWeight))
        {
            errors.Add($"{SectionName}:SemanticWeight is {SemanticWeight}; allowed: 0 to 100 (1 is the default).");
        }
        if (MinSemanticCoverage is < 0 or > 1 || double.IsNaN(MinSemanticCoverage))
        {
            errors.Add($"{SectionName}:MinSemanticCoverage is {MinSemanticCoverage}; allowed: 0 to 1 (a share of the query's letters).");
        }
        if (SnippetLength is < 40 or > 2000)
        {
            errors.Add($"{SectionName}:SnippetLength is {SnippetLength}; allowed: 40 to 2000 characters.");
        }
        if (RateLimitPerMinute < 0)
        {
            errors.Add($"{SectionName}:RateLimitPerMinute is {RateLimitPerMinute}; allowed: 0 (off) or a positive number of requests per minute per client.");
        }
        if (ApiKey.Length is > 0 and < 16)
        {
            errors.Add($"{SectionName}:ApiKey is {ApiKey.Length} characters; allowed: empty (no key) or at least 16 characters.");
        }
        if (VectorIndexSaveInterval < TimeSpan.FromSeconds(1) || VectorIndexSaveInterval > TimeSpan.FromMinutes(30))
        {
            errors.Add($"{SectionName}:VectorIndexSaveInterval is {VectorIndexSaveInterval}; allowed: 00:00:01 to 00:30:00 (changes are kept for an hour).");
        }
        if (Timeout < TimeSpan.FromMilliseconds(100) || Timeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{SectionName}:Timeout is {Timeout}; allowed: 00:00:00.1 to 00:01:00.");
        }
        foreach (var origin in CorsOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                errors.Add($"{SectionName}:CorsOrigins has \"{origin}\"; allowed: origins such as https://blog.example.com (scheme, host, optional port).");
            }
        }
        return errors;
    }
}

/// <summary>Which legs rank a search.</summary>
public enum SearchMode
{
    Hybrid,
    Semantic,
    Keyword,
}

public static class SearchModes
{
    public static readonly IReadOnlyList<string> Allowed = ["hybrid", "semantic", "keyword"];

    /// <summary>Parses a mode name (case-insensitive); empty means hybrid.</summary>
    public static bool TryParse(string? value, out SearchMode mode)
    {
        mode = SearchMode.Hybrid;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "hybrid":
                return true;
            case "semantic":
                mode = SearchMode.Semantic;
                return true;
            case "keyword":
                mode = SearchMode.Keyword;
                return true;
            default:
                return false;
        }
    }

    public static string Name(this SearchMode mode) => mode.ToString().ToLowerInvariant();
}
