using System.Runtime.CompilerServices;
using BlogSemanticIndex.Search.NodeIndexes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// Keeps this node's <see cref="LuceneKeywordIndex"/> current: builds it from PostgreSQL at start, then at each poll reads
/// the index generation (one row) and, when it moved, applies the posts changed since. Until the first build ends the
/// keyword leg ranks in PostgreSQL instead.
/// </summary>
public sealed class KeywordIndexSync(
    LuceneKeywordIndex index,
    KeywordChangeFeed feed,
    ChangeSequence changes,
    IOptions<SearchOptions> options,
    ILogger<KeywordIndexSync> logger,
    TimeProvider time) : NodeIndexSync(index, changes, options, logger, time)
{
    public override async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (index.IsReady)
        {
            var generation = await Changes.ReadGenerationAsync(cancellationToken);
            if (generation == index.AppliedGeneration)
            {
                return;
            }
            // A generation below ours is another database (restored, or recreated): only a build is right.
            if (generation > index.AppliedGeneration && await feed.ReadChangesAsync(index.AppliedGeneration, cancellationToken) is { } changed)
            {
                index.Apply(changed.ChangedCids, changed.Documents, changed.Generation);
                return;
            }
        }
        var started = Time.GetTimestamp();
        var built = new StrongBox<long>();
        await index.RebuildAsync(feed.ReadAllAsync(built, cancellationToken), () => built.Value, cancellationToken);
        logger.KeywordIndexBuilt(index.Documents, index.AppliedGeneration, Time.GetElapsedTime(started).TotalSeconds);
    }
}
