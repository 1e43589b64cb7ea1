using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Search.NodeIndexes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Search.Vectors;

/// <summary>
/// Keeps this node's <see cref="NodeVectorIndex"/> current: at each poll reads the generation and the active space (one
/// row); builds the index when there is none, when the space changed (another model or whitening version) or when
/// removals thinned it, else applies the posts changed since its generation. Until a build for the active space ends,
/// the semantic leg searches pgvector. With <see cref="SearchOptions.SaveVectorIndex"/> it saves the graph after each
/// build, every <see cref="SearchOptions.VectorIndexSaveInterval"/> while it changes and at shutdown, and a start takes
/// the saved graph up (with the changes since its save) instead of building.
/// </summary>
public sealed class VectorIndexSync(
    NodeVectorIndex index,
    VectorChangeFeed feed,
    ChangeSequence changes,
    IOptions<SearchOptions> options,
    ILogger<VectorIndexSync> logger,
    TimeProvider time) : NodeIndexSync(index, changes, options, logger, time)
{
    private readonly string? _savedIn = options.Value.SaveVectorIndex ? options.Value.VectorIndexFolderOrDefault : null;
    private readonly TimeSpan _saveEvery = options.Value.VectorIndexSaveInterval;
    private SavedGraphSource? _source;
    private long _savedGeneration = -1;
    private long _savedAt;
    private bool _resumeTried;

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
                    if (Time.GetElapsedTime(_savedAt) >= _saveEvery)
                    {
                        Save();
                    }
                    return;
                }
            }
        }
        else if (!_resumeTried && _savedIn is not null)
        {
            // Only at start: later builds are for a space or state no saved graph holds.
            _resumeTried = true;
            if (await ResumeAsync(_savedIn, cancellationToken))
            {
                return;
            }
        }
        var started = Time.GetTimestamp();
        var head = new StrongBox<(long Generation, VectorSpace? Space)>();
        await index.RebuildAsync(feed.ReadAllAsync(head, cancellationToken), () => head.Value, cancellationToken);
        if (index.Space is { } built)
        {
            logger.VectorIndexBuilt(index.Size.Count, built.ModelId, built.WhiteningVersion, index.AppliedGeneration,
                Time.GetElapsedTime(started).TotalSeconds, index.Orphans);
            _source = await feed.ReadSourceAsync(built, cancellationToken);
            Save();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The poll loop has ended, so nothing changes the graph while it is written.
        if (index.AppliedGeneration != _savedGeneration)
        {
            Save();
        }
    }

    private async Task<bool> ResumeAsync(string root, CancellationToken cancellationToken)
    {
        var started = Time.GetTimestamp();
        if ((await feed.ReadHeadAsync(cancellationToken)).Space is not { } space || await feed.ReadSourceAsync(space, cancellationToken) is not { } source)
        {
            return false;
        }
        var folder = FolderOf(root, source);
        string? notTaken;
        try
        {
            notTaken = await index.ResumeAsync(folder, source.ToString(), space, generation => feed.ReadChangesAsync(space, generation, cancellationToken));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or System.Text.Json.JsonException
            or Cloud.Unum.USearch.USearchException)
        {
            notTaken = e.Message;
        }
        if (notTaken is not null)
        {
            logger.VectorIndexNotResumed(folder, notTaken);
            return false;
        }
        (_source, _savedGeneration, _savedAt) = (source, -1, Time.GetTimestamp());
        logger.VectorIndexResumed(folder, index.Size.Count, space.ModelId, space.WhiteningVersion, index.AppliedGeneration,
            Time.GetElapsedTime(started).TotalSeconds);
        return true;
    }

    /// <summary>Saves the graph where a start looks for it; a failure (disk full, no permission) is logged and searches go on.</summary>
    private void Save()
    {
        _savedAt = Time.GetTimestamp();
        if (_savedIn is null || _source is null)
        {
            return;
        }
        var folder = FolderOf(_savedIn, _source);
        try
        {
            var generation = index.AppliedGeneration;
            if (index.SaveTo(folder, _source.ToString()))
            {
                _savedGeneration = generation;
                logger.VectorIndexSaved(folder, generation, Time.GetElapsedTime(_savedAt).TotalSeconds);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Cloud.Unum.USearch.USearchException)
        {
            logger.VectorIndexNotSaved(e, folder);
        }
    }

    /// <summary>
    /// One folder per store, named by a hash of it (its name holds characters no path should): a graph of a new model
    /// or whitening version replaces the old one's instead of leaving it on disk.
    /// </summary>
    internal static string FolderOf(string root, SavedGraphSource source) =>
        Path.Combine(root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source.Store)))[..16]);
}
