using Xunit;

namespace BlogSemanticIndex.TestSupport;

/// <summary>
/// The read-only evaluation data in <c>../shared/data</c> beside the repository. A user's clone has
/// no such folder, so tests that need it skip with a message instead of failing.
/// </summary>
public static class SharedData
{
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    public static string? DataFolder =>
        RepositoryRoot is null ? null : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data")) is var path && Directory.Exists(path) ? path : null;

    /// <summary>The path of a file under shared/data, or a skip of the calling test when it is absent.</summary>
    public static string Require(string relativePath)
    {
        var folder = DataFolder;
        Skip.If(folder is null, "../shared/data is absent (a user's clone has no shared folder); skipping.");
        var path = Path.Combine(folder!, relativePath);
        Skip.IfNot(File.Exists(path) || Directory.Exists(path), $"../shared/data/{relativePath} is absent; skipping.");
        return path;
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlogSemanticIndex.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
