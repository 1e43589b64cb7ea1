namespace BlogSemanticIndex.Indexing;

/// <summary>What a run is doing.</summary>
public enum IndexPhase
{
    Starting,
    ModelCheck,
    ChangeFeed,
    Reconcile,
    Reindex,
    Completed,
    Failed,
}

/// <summary>
/// A snapshot of a running poll or reindex, for the CLI progress bar and <c>GET /admin/status</c>.
/// </summary>
/// <param name="PostsTotal">Posts this run will look at, when known (reindex and reconciliation know; the change feed learns page by page).</param>
/// <param name="ChunksWritten">Chunks stored so far (embedded plus reused).</param>
/// <param name="ChunksPerSecond">Chunks written per second of run time so far.</param>
public sealed record IndexProgress(
    IndexPhase Phase,
    int PostsDone,
    int? PostsTotal,
    int ChunksWritten,
    int ChunksEmbedded,
    int ChunksReused,
    TimeSpan Elapsed,
    double ChunksPerSecond)
{
    /// <summary>Time left at the current rate, when the total is known and something was done.</summary>
    public TimeSpan? EstimatedRemaining =>
        PostsTotal is { } total && PostsDone > 0 && total >= PostsDone
            ? TimeSpan.FromSeconds(Elapsed.TotalSeconds / PostsDone * (total - PostsDone))
            : null;
}

/// <summary>What one poll or reindex did.</summary>
/// <param name="PostsWritten">Posts (re)written to the index.</param>
/// <param name="PostsUnchanged">Posts read whose stored content was already current, so nothing was written.</param>
/// <param name="ChunksEmbedded">Chunk texts run through the encoder.</param>
/// <param name="ChunksReused">Chunks whose vector was found in the index by text hash, so not embedded again.</param>
/// <param name="PostsRemoved">Posts taken out of the index (no longer visible, or deleted).</param>
/// <param name="PostsSkipped">Posts that could not be indexed, recorded with a reason.</param>
/// <param name="Batches">Transactions committed (none in a dry run).</param>
/// <param name="Retries">Database operations retried after a transient failure.</param>
/// <param name="ModelChanged">The configured encoder differed from the active one, so it was activated and everything re-embedded.</param>
/// <param name="EmbeddingTime">Time spent inside the encoder.</param>
public sealed record IndexRunResult(
    int PostsWritten,
    int PostsUnchanged,
    int ChunksWritten,
    int ChunksEmbedded,
    int ChunksReused,
    int PostsRemoved,
    int PostsSkipped,
    int Batches,
    int Retries,
    bool ModelChanged,
    bool DryRun,
    TimeSpan Elapsed,
    TimeSpan EmbeddingTime);

/// <summary>
/// Which posts <see cref="PostIndexer.ReindexAsync"/> rebuilds: every visible post, or the given cids.
/// </summary>
/// <param name="DryRun">Read, clean and chunk, and report what would be embedded, without writing anything.</param>
/// <param name="ReuseEmbeddings">
/// Take stored vectors for unchanged chunk texts, as a poll does. Off by default: a reindex recomputes every vector.
/// </param>
public sealed record ReindexRequest(bool All, IReadOnlyList<long> Cids, bool DryRun = false, bool ReuseEmbeddings = false)
{
    public static ReindexRequest Everything(bool dryRun = false) => new(true, [], dryRun);

    public static ReindexRequest Posts(IEnumerable<long> cids, bool dryRun = false) => new(false, [.. cids.Distinct()], dryRun);

    /// <summary>Throws when the request names nothing, or names both everything and some posts.</summary>
    public void EnsureValid()
    {
        if (All && Cids.Count > 0)
        {
            throw new ArgumentException("a reindex is either --all or a list of --post CIDs, not both.");
        }
        if (!All && Cids.Count == 0)
        {
            throw new ArgumentException("name the posts to reindex (--post CID …) or ask for --all.");
        }
        if (Cids.Any(c => c <= 0))
        {
            throw new ArgumentException($"post ids are positive; got {string.Join(", ", Cids.Where(c => c <= 0))}.");
        }
    }
}
