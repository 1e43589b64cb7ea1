namespace BlogSemanticIndex.Search;

/// <summary>One page of results.</summary>
/// <param name="Total">Posts in the whole result list (the union of the legs' candidates), for pagination.</param>
/// <param name="Warnings">Set when a leg could not run and the results come from the other one.</param>
public sealed record SearchResponse(int Total, int Page, int PageSize, string Mode, IReadOnlyList<SearchHit> Hits, IReadOnlyList<string>? Warnings = null);

/// <param name="Cid">Typecho's content id.</param>
/// <param name="Created">ISO 8601, UTC.</param>
/// <param name="CreatedUnix">Unix seconds, as Typecho stores <c>created</c> (for permalinks).</param>
/// <param name="Score">Hybrid: the RRF score; keyword: BM25 (0 for a substring-only match); semantic: cosine similarity.</param>
/// <param name="Snippet">HTML: the matched region in <c>&lt;mark&gt;</c>, everything else escaped.</param>
/// <param name="SnippetStart">Where the snippet starts in the post's indexed text (UTF-16 offset).</param>
public sealed record SearchHit(
    long Cid,
    string Title,
    string? Slug,
    DateTimeOffset Created,
    long CreatedUnix,
    double Score,
    string Snippet,
    int SnippetStart,
    int SnippetEnd);

/// <summary>Posts related to one post.</summary>
public sealed record RelatedResponse(long Cid, IReadOnlyList<RelatedPost> Posts);

public sealed record RelatedPost(long Cid, string Title, string? Slug, DateTimeOffset Created, long CreatedUnix, double Score);

/// <summary>A post in a fused ranking, with what each leg said about it.</summary>
public sealed record RankedPost(long Cid, double Score, int? KeywordRank, int? SemanticRank, long? SemanticChunkId);

/// <summary>What the legs of one search found, before fusion.</summary>
/// <param name="Coverage">The share of the query's letters the encoder reads (1 for a query without letters).</param>
/// <param name="Warnings">Set when the semantic leg could not run in hybrid mode.</param>
public sealed record SearchLegs(IReadOnlyList<Keyword.KeywordHit> Keyword, IReadOnlyList<SemanticHit> Semantic, double Coverage,
    IReadOnlyList<string>? Warnings);
