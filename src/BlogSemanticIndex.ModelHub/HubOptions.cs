namespace BlogSemanticIndex.ModelHub;

/// <summary>
/// Where the hub is and where its cache lives; read from the same environment variables as huggingface_hub, so that a
/// cache shared with Python tools is found and filled the same way.
/// </summary>
public sealed record HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub or a mirror serving the same URL layout (<c>HF_ENDPOINT</c>), without a trailing slash.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>The hub cache folder holding <c>models--org--name</c> (<c>HF_HUB_CACHE</c>, default <c>$HF_HOME/hub</c>).</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>A user access token, sent as a bearer token to the endpoint's host only (<c>HF_TOKEN</c>).</summary>
    public string? Token { get; init; }

    /// <summary>Never touch the network; pulls resolve from the cache or fail (<c>HF_HUB_OFFLINE</c>).</summary>
    public bool Offline { get; init; }

    /// <summary>Tries per request before a transient failure (timeout, dropped connection, 5xx, 429) is given up.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a single request may go without completing its headers.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Reads <c>HF_ENDPOINT</c>, <c>HF_HUB_CACHE</c>, <c>HF_HOME</c> (default <c>$XDG_CACHE_HOME/huggingface</c>, else
    /// <c>~/.cache/huggingface</c>), <c>HF_TOKEN</c> and <c>HF_HUB_OFFLINE</c>.
    /// </summary>
    /// <param name="getVariable">Reads one variable; the process environment when omitted (tests pass their own).</param>
    public static HubOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => getVariable(name) is { Length: > 0 } value ? value : null;

        var home = Get("HF_HOME") ?? Path.Combine(
            Get("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "huggingface");
        var endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"HF_ENDPOINT must be an absolute http(s) URL such as {DefaultEndpoint}; got '{endpoint}'.");
        }

        return new HubOptions
        {
            Endpoint = endpoint,
            CacheDirectory = ExpandHome(Get("HF_HUB_CACHE") ?? Path.Combine(home, "hub")),
            Token = Get("HF_TOKEN"),
            Offline = IsTrue(Get("HF_HUB_OFFLINE")),
        };
    }

    private static bool IsTrue(string? value) =>
        value is not null && value.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
}
