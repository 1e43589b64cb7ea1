using Microsoft.Extensions.Logging;
using Npgsql;

namespace BlogSemanticIndex.Search.Api;

/// <summary>
/// The index database's failures on the request path, logged per outage rather than per request: one warning with
/// the reason when the first request fails, one line with the count of failed requests when a request succeeds again.
/// During an outage every search fails the same way, and a stack trace each would bury the log (~850 KB a minute
/// under light load).
/// </summary>
public sealed class IndexStoreOutage(ILogger<IndexStoreOutage> logger, TimeProvider time)
{
    private readonly Lock _lock = new();
    private long _startedAt;
    private int _failedRequests;
    private volatile bool _down;

    /// <summary>A request failed in the index database; <paramref name="timeout"/> when it hit <see cref="SearchOptions.Timeout"/>.</summary>
    public void Failed(Exception error, TimeSpan? timeout)
    {
        lock (_lock)
        {
            _failedRequests++;
            if (_down)
            {
                return;
            }
            _down = true;
            _startedAt = time.GetTimestamp();
        }
        logger.IndexStoreDown(
            timeout is { } limit ? $"no answer within {limit.TotalSeconds:0.#} s" : Describe(error));
    }

    /// <summary>A request was answered from the index database; ends an outage if one was going on.</summary>
    public void Succeeded()
    {
        if (!_down)
        {
            return;
        }
        int failed;
        TimeSpan duration;
        lock (_lock)
        {
            if (!_down)
            {
                return;
            }
            (failed, duration) = (_failedRequests, time.GetElapsedTime(_startedAt));
            (_down, _failedRequests) = (false, 0);
        }
        logger.IndexStoreBack(duration.TotalSeconds, failed);
    }

    private static string Describe(Exception error) => error switch
    {
        PostgresException pg => $"{pg.MessageText} ({pg.SqlState})",
        { InnerException: { } inner } => $"{error.Message}: {inner.Message}",
        _ => error.Message,
    };
}
