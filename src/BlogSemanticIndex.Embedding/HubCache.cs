namespace BlogSemanticIndex.Embedding;

/// <summary>
/// Finds a model already in the Hugging Face cache (<c>$HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
/// <c>~/.cache/huggingface/hub</c>): <c>models--org--name/snapshots/&lt;commit&gt;</c>, the commit read from
/// <c>refs/&lt;revision&gt;</c> unless the revision is a commit itself. Offline only: downloading is <c>bsi model pull</c>'s job.
/// </summary>
public static class HubCache
{
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } hub)
            {
                return hub;
            }
            var home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hf
                ? hf
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
            return Path.Combine(home, "hub");
        }
    }

    public static bool LooksLikeRepoId(string model) =>
        model.Count(c => c == '/') == 1 && !model.StartsWith('/') && !model.StartsWith('.') && !model.EndsWith('/')
        && !Path.IsPathRooted(model) && !model.Contains('\\');

    /// <summary>The snapshot folder and its commit, or an exception that says how to get it.</summary>
    public static (string Folder, string Commit) Resolve(string repoId, string? revision)
    {
        revision = string.IsNullOrWhiteSpace(revision) ? "main" : revision.Trim();
        var repoFolder = Path.Combine(Root, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));
        var commit = revision;
        var reference = Path.Combine(repoFolder, "refs", revision);
        if (File.Exists(reference))
        {
            commit = File.ReadAllText(reference).Trim();
        }
        var snapshot = Path.Combine(repoFolder, "snapshots", commit);
        if (!Directory.Exists(snapshot))
        {
            throw new DirectoryNotFoundException(
                $"Model '{repoId}' (revision {revision}) is not in the Hugging Face cache at {Root}; run `bsi model pull {repoId}" +
                $"{(revision == "main" ? "" : $" --revision {revision}")}` first, or set HF_HUB_CACHE / HF_HOME.");
        }
        return (snapshot, commit);
    }
}
