using System.Text.RegularExpressions;

namespace BlogSemanticIndex.ModelHub;

/// <summary>
/// The Hugging Face hub cache on disk, laid out as huggingface_hub lays it out, so either tool can read what the other
/// wrote:
/// <code>
/// {cache}/models--{org}--{name}/blobs/{etag}                 file contents, named by their ETag (sha256 for LFS files)
/// {cache}/models--{org}--{name}/snapshots/{commit}/{path}    symbolic links to the blobs (copies where links fail)
/// {cache}/models--{org}--{name}/refs/{revision}              the commit a branch or tag pointed at when last pulled
/// </code>
/// </summary>
public sealed partial class ModelCache
{
    public ModelCache(string cacheDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        CacheDirectory = Path.GetFullPath(cacheDirectory);
    }

    public string CacheDirectory { get; }

    /// <summary>The cache that HF_HUB_CACHE / HF_HOME name (see <see cref="HubOptions.FromEnvironment"/>).</summary>
    public static ModelCache FromEnvironment() => new(HubOptions.FromEnvironment().CacheDirectory);

    /// <summary>
    /// The snapshot folder of <paramref name="repoId"/> at <paramref name="revision"/> (a branch, tag or commit hash), read
    /// from the cache alone; no network.
    /// </summary>
    /// <exception cref="ModelNotCachedException">The cache has no snapshot for that revision.</exception>
    public string ResolveLocal(string repoId, string revision = "main")
    {
        if (TryResolveLocal(repoId, revision, out var snapshot))
        {
            return snapshot;
        }

        throw new ModelNotCachedException(
            $"Model '{repoId}' at revision '{revision}' is not in the Hugging Face cache at '{CacheDirectory}'. " +
            $"Pull it first with network access (`bsi model pull {repoId} --revision {revision}`; set HF_ENDPOINT for a mirror), " +
            "or point HF_HUB_CACHE or HF_HOME at a cache that has it.");
    }

    /// <summary>Like <see cref="ResolveLocal"/>, without the exception.</summary>
    public bool TryResolveLocal(string repoId, string revision, out string snapshotPath)
    {
        ValidateRepoId(repoId);
        ValidateRevision(revision);
        snapshotPath = "";

        var commit = IsCommitHash(revision) ? revision : ReadRef(repoId, revision);
        if (commit is null)
        {
            return false;
        }

        var snapshot = SnapshotFolder(repoId, commit);
        if (!Directory.Exists(snapshot))
        {
            return false;
        }

        snapshotPath = snapshot;
        return true;
    }

    /// <summary>The commit that <c>refs/{revision}</c> records, or null.</summary>
    public string? ReadRef(string repoId, string revision)
    {
        var path = RefPath(repoId, revision);
        if (!File.Exists(path))
        {
            return null;
        }

        var commit = File.ReadAllText(path).Trim();
        return IsCommitHash(commit) ? commit : null;
    }

    /// <summary><c>models--org--name</c>, as huggingface_hub names a model repository's folder.</summary>
    public string RepoFolder(string repoId)
    {
        ValidateRepoId(repoId);
        return Path.Combine(CacheDirectory, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));
    }

    public string BlobPath(string repoId, string etag) => Path.Combine(RepoFolder(repoId), "blobs", etag);

    public string SnapshotFolder(string repoId, string commit) => Path.Combine(RepoFolder(repoId), "snapshots", commit);

    public string RefPath(string repoId, string revision)
    {
        ValidateRevision(revision);
        return Path.Combine(RepoFolder(repoId), "refs", revision.Replace('/', Path.DirectorySeparatorChar));
    }

    internal void WriteRef(string repoId, string revision, string commit)
    {
        if (revision == commit)
        {
            return;
        }

        var path = RefPath(repoId, revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, commit);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Puts <paramref name="relativePath"/> of the snapshot in place as a relative symbolic link to its blob, as
    /// huggingface_hub does (the cache folder can then move), or as a copy where the file system refuses links.
    /// </summary>
    internal void LinkIntoSnapshot(string repoId, string commit, string relativePath, string etag)
    {
        var link = Path.Combine(SnapshotFolder(repoId, commit), relativePath.Replace('/', Path.DirectorySeparatorChar));
        var linkFolder = Path.GetDirectoryName(link)!;
        Directory.CreateDirectory(linkFolder);
        var blob = BlobPath(repoId, etag);
        if (File.Exists(link) || new FileInfo(link).LinkTarget is not null)
        {
            File.Delete(link);
        }

        try
        {
            File.CreateSymbolicLink(link, Path.GetRelativePath(linkFolder, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, link, overwrite: true);
        }
    }

    /// <summary>Accepts "name" or "org/name" with the characters the hub allows; rejects anything path-like.</summary>
    public static void ValidateRepoId(string repoId)
    {
        ArgumentException.ThrowIfNullOrEmpty(repoId);
        if (!RepoIdPattern().IsMatch(repoId) || repoId.Contains("..", StringComparison.Ordinal) || repoId.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"'{repoId}' is not a model repository id; expected 'name' or 'organisation/name' (letters, digits, '-', '_', '.'), e.g. BAAI/bge-small-zh-v1.5.",
                nameof(repoId));
        }
    }

    public static void ValidateRevision(string revision)
    {
        ArgumentException.ThrowIfNullOrEmpty(revision);
        if (revision.Contains("..", StringComparison.Ordinal) || revision.StartsWith('/') || revision.Contains('\\')
            || revision.Any(char.IsControl))
        {
            throw new ArgumentException($"'{revision}' is not a valid revision (a branch, tag or commit hash).", nameof(revision));
        }
    }

    public static bool IsCommitHash(string revision) => CommitPattern().IsMatch(revision);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")]
    private static partial Regex RepoIdPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();
}
