using System.Runtime.CompilerServices;
using BlogSemanticIndex.Search.NodeIndexes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Vectors;

/// <summary>
/// Keeps this node's <see cref="NodeVectorIndex"/> current: at each poll reads the generation and the active space (one
/// row); builds the index when there is none, when the space changed (another model or whitening version) or when
/// removals thinned it, else applies the posts changed since its generation. Until a build for the active space ends,
/// the semantic leg searches pgvector.
/// </summary>
public sealed class VectorIndexSync(
    NodeVectorIndex index,
    VectorChangeFeed feed,
    ChangeSequence changes,
    IOptions<SearchOptions> options,
    ILogger<VectorIndexSync> logger,
    TimeProvider time) : NodeIndexSync(index, changes, options, logger, time)
{
    public override async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (index.IsReady && !index.NeedsRebuild)
        {
            var (generation, space) = await feed.ReadHeadAsync(cancellationToken);
            if (space == index.Space)
            {
                if (generation == index.AppliedGeneration)
                {
                    return;
                }
                // A generation below ours is another database (restored, or recreated): only a build is right.
                if (space is null)
                {
                    index.Apply([], [], generation);
                    return;
                }
                if (generation > index.AppliedGeneration && await feed.ReadChangesAsync(space, index.AppliedGeneration, cancellationToken) is { } changed)
                {
                    index.Apply(changed.ChangedCids, changed.Chunks, changed.Generation);
                    return;
                }
            }
        }
        var started = Time.GetTimestamp();
        var head = new StrongBox<(long Generation, VectorSpace? Space)>();
        await index.RebuildAsync(feed.ReadAllAsync(head, cancellationToken), () => head.Value, cancellationToken);
        if (index.Space is { } built)
        {
            logger.VectorIndexBuilt(index.Size.Count, built.ModelId, built.WhiteningVersion, index.AppliedGeneration,
                Time.GetElapsedTime(started).TotalSeconds);
        }
    }
}
