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
        var words = KeywordQuery.LoadSegmenter(Sample);
        Loaded(Stopwatch.GetElapsedTime(started).TotalSeconds, Sample, string.Join('/', words));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // A visitor's question whose words need the dictionary (数据库, 怎么办), logged as segmented so the log shows the
    // dictionary answered rather than that a constructor ran.
    private const string Sample = "数据库查询很慢怎么办";

    [LoggerMessage(LogLevel.Information, "Query segmenter (jieba) loaded in {Seconds:F1} s: {Sample} → {Words}")]
    private partial void Loaded(double seconds, string sample, string words);
}
