using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// Loads the query segmenter's dictionary while the service starts, before it listens: loaded by the first Chinese
/// search instead, it took that search's <c>Search:Timeout</c> on a busy machine (a 503 in CI) and ~0.6 s of an idle one.
/// </summary>
internal sealed partial class QuerySegmenterLoading(ILogger<QuerySegmenterLoading> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        KeywordQuery.LoadSegmenter();
        Loaded(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Query segmenter (jieba) loaded in {Seconds:F1} s")]
    private partial void Loaded(double seconds);
}
