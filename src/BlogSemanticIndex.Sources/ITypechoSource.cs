namespace BlogSemanticIndex.Sources;

/// <summary>
/// Read-only view of a Typecho blog's posts, exactly as a visitor sees them: <c>type = 'post'</c> (and <c>'page'</c>
/// when configured), <c>status = 'publish'</c>, no password, <c>created</c> not in the future.
/// Designed for a poller: <see cref="ReadChangesAsync"/> follows a watermark, <see cref="ReadVisibleStampsAsync"/>
/// lists what exists so deletions can be found, <see cref="ReadPostsAsync"/> re-reads chosen posts.
/// Database errors propagate (the caller retries); nothing here swallows them.
/// </summary>
public interface ITypechoSource : IAsyncDisposable
{
    /// <summary>The configured blog name.</summary>
    string Name { get; }

    BlogProvider Provider { get; }

    /// <summary>
    /// Checks that the three tables are there and readable; throws <see cref="InvalidOperationException"/> whose
    /// message names the table and the grant that is missing.
    /// </summary>
    Task VerifyAccessAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Posts whose visibility may have changed after <paramref name="after"/>, at most <paramref name="pageSize"/>
    /// events, ordered by (time, cid). An event is a row's <c>modified</c> time, and also its <c>created</c> time when
    /// that is later (a scheduled post becomes visible then without being edited). Only whole seconds before now are read, so
    /// rows written later in the current second are not skipped.
    /// </summary>
    Task<ChangedPostsPage> ReadChangesAsync(SourceWatermark after, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>Every visible post's cid and <c>modified</c>, ordered by cid.</summary>
    Task<IReadOnlyList<VisiblePostStamp>> ReadVisibleStampsAsync(CancellationToken cancellationToken = default);

    /// <summary>The visible posts among <paramref name="cids"/>, ordered by cid; ids that are not visible (or do not exist) are left out.</summary>
    Task<IReadOnlyList<TypechoPost>> ReadPostsAsync(IReadOnlyCollection<long> cids, CancellationToken cancellationToken = default);
}
