namespace BlogSemanticIndex.Sources;

/// <summary>
/// A post (or page) as a visitor sees it. <see cref="Text"/> is the raw body as stored: Markdown after a
/// <c>&lt;!--markdown--&gt;</c> marker, HTML otherwise.
/// </summary>
/// <param name="Cid">Typecho's content id.</param>
/// <param name="Type"><c>post</c> or <c>page</c>.</param>
/// <param name="Slug">The URL slug (permalinks are built from it, the cid, the date and the category).</param>
/// <param name="Created">Publication time (Typecho's <c>created</c>).</param>
/// <param name="Modified">Last edit (Typecho's <c>modified</c>); the reconciliation pass compares it.</param>
/// <param name="Categories">Category names, in the blog's category order.</param>
/// <param name="Tags">Tag names.</param>
/// <param name="DecodingProblem">
/// Null when every text column was valid UTF-8; otherwise which columns had invalid bytes, which were replaced by U+FFFD.
/// </param>
public sealed record TypechoPost(
    long Cid,
    string Type,
    string Title,
    string Slug,
    string Text,
    DateTimeOffset Created,
    DateTimeOffset Modified,
    long AuthorId,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Tags,
    string? DecodingProblem);

/// <summary>A visible post's id and last edit, for the reconciliation pass that finds deletions and missed changes.</summary>
public readonly record struct VisiblePostStamp(long Cid, DateTimeOffset Modified);

/// <summary>
/// Position in the change feed: the time (unix seconds) and cid of the last event read. Persist both; pass them back
/// to <see cref="ITypechoSource.ReadChangesAsync"/>. Events are ordered by (Time, Cid), so ties on time are safe.
/// </summary>
public readonly record struct SourceWatermark(long Time, long Cid)
{
    /// <summary>Before every event: a full read.</summary>
    public static SourceWatermark Beginning => new(0, 0);
}

/// <summary>One page of the change feed.</summary>
/// <param name="Visible">Posts that changed and are visible now, in feed order, each once.</param>
/// <param name="NotVisibleCids">
/// Rows that changed and are not visible now (unpublished, private, hidden, waiting, password set, rescheduled into the
/// future, drafts): remove them from the index if present. Deletions leave no row; see <see cref="ITypechoSource.ReadVisibleStampsAsync"/>.
/// </param>
/// <param name="Next">Where the next page starts; commit it only after this page is stored.</param>
/// <param name="HasMore">More events are ready now; read again from <paramref name="Next"/>.</param>
public sealed record ChangedPostsPage(
    IReadOnlyList<TypechoPost> Visible,
    IReadOnlyList<long> NotVisibleCids,
    SourceWatermark Next,
    bool HasMore);
