namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>Finds the read-only evaluation data in ../shared beside the repository; tests skip when it is absent.</summary>
internal static class SharedData
{
    private static readonly Lazy<string?> SharedRoot = new(FindSharedRoot);

    /// <summary>The absolute path of <c>../shared/data/{relative}</c>, or a skip with the reason.</summary>
    public static string Require(string relative)
    {
        var root = SharedRoot.Value;
        Skip.If(root is null, "../shared (the evaluation data beside the repository) was not found; this test needs it.");
        var path = Path.Combine(root!, "data", relative);
        Skip.IfNot(File.Exists(path) || Directory.Exists(path), $"{path} is absent; this test needs it.");
        return path;
    }

    private static string? FindSharedRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlogSemanticIndex.sln")) || Directory.Exists(Path.Combine(dir.FullName, ".git")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                return Directory.Exists(shared) ? shared : null;
            }
        }

        return null;
    }
}
