namespace BlogSemanticIndex.ModelHub;

/// <summary>A model pulled into the cache: <see cref="SnapshotPath"/> is the folder to load it from.</summary>
public sealed record PulledModel(
    string RepoId,
    string Revision,
    string CommitHash,
    string SnapshotPath,
    IReadOnlyList<PulledFile> Files)
{
    /// <summary>Why the hub was not asked (offline mode, unreachable); null when the pull went to the hub.</summary>
    public string? ServedFromCacheBecause { get; init; }
}

/// <summary>One file of a pull; <see cref="Downloaded"/> is false when the cache already had its blob.</summary>
public sealed record PulledFile(string Path, long Size, string ETag, bool Downloaded);

/// <summary>Download progress of one file; <see cref="TotalBytes"/> is null when the hub did not say.</summary>
public sealed record HubProgress(string File, long BytesDone, long? TotalBytes);
