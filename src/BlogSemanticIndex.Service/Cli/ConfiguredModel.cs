using BlogSemanticIndex.Embedding;

namespace BlogSemanticIndex.Service.Cli;

/// <summary>The encoder <c>Encoder:Model</c> names, as stored vectors record it (name@revision), and whether the index's vectors are its.</summary>
internal static class ConfiguredModel
{
    /// <summary>name@revision without loading the weights (a folder's revision is the hash of its weights), or why it cannot be resolved.</summary>
    public static (string? Identity, string? Error) Resolve(EncoderOptions options)
    {
        try
        {
            var model = SentenceEncoder.Resolve(options);
            return ($"{model.Name}@{model.Revision}", null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or InvalidOperationException
                                   or ModelHub.HubException)
        {
            return (null, e.Message);
        }
    }

    public static string DescribeMatch(string? active, string? configured) => (active, configured) switch
    {
        (null, _) => "none yet: the first poll embeds every post with the configured model",
        (_, null) => "unknown: the configured model cannot be resolved",
        _ when active == configured => "match the configured model",
        _ => $"from {active}, not the configured model: the next poll (or bsi reindex) drops them and embeds every chunk again, and whitening is refitted on the new vectors (spaces never mix)",
    };
}
