namespace BlogSemanticIndex.Embedding;

/// <summary>Where bsi keeps what it derives on this machine (imported models).</summary>
public static class BsiPaths
{
    /// <summary>
    /// <c>$BSI_HOME</c> when set; otherwise <c>bsi</c> under the user's cache folder (<c>$XDG_CACHE_HOME</c> or
    /// <c>~/.cache</c> on Unix, <c>%LOCALAPPDATA%</c> on Windows).
    /// </summary>
    public static string Home
    {
        get
        {
            if (Environment.GetEnvironmentVariable("BSI_HOME") is { Length: > 0 } home)
            {
                return Path.GetFullPath(home);
            }
            if (OperatingSystem.IsWindows())
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "bsi");
            }
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "bsi");
        }
    }

    public static string Models => Path.Combine(Home, "models");
}
