using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace BlogSemanticIndex.Search.Api;

/// <summary>
/// One client's limit of <c>limit</c> requests per <c>window</c> that knows exactly when it frees the next permit:
/// the generic cell rate algorithm (a token bucket refilled continuously). A burst of up to <c>limit</c> requests
/// passes, then one every <c>window / limit</c>; a refused request carries the time until the next permit as its
/// <see cref="MetadataName.RetryAfter"/>.
/// </summary>
/// <remarks>
/// Not System.Threading.RateLimiting's own limiters: FixedWindowRateLimiter reports a whole window as RetryAfter
/// however close its reset is (60 s for a per-minute limit), and SlidingWindowRateLimiter reports none. The state is
/// one timestamp, so a limiter per visitor address costs a few dozen bytes.
/// </remarks>
public sealed class ClientRateLimiter : RateLimiter
{
    private readonly TimeProvider _time;
    private readonly long _interval; // ticks between permits: window / limit
    private readonly long _window;
    private readonly int _limit;
    private readonly object _lock = new();
    private long _theoreticalArrival; // when the bucket is next full again, in ticks of _time's timestamps
    private long _successful;
    private long _failed;

    public ClientRateLimiter(int limit, TimeSpan window, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _limit = limit;
        _window = window.Ticks;
        _interval = window.Ticks / limit;
        _theoreticalArrival = Now;
    }

    /// <summary>A partition per client address (after trusted proxies' <c>X-Forwarded-For</c>), for a rate-limiter policy.</summary>
    public static RateLimitPartition<string> PerClient(HttpContext context, int perMinute, TimeProvider? time = null)
    {
        var client = context.Connection.RemoteIpAddress is { } address
            ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
            : "unknown";
        return perMinute <= 0
            ? RateLimitPartition.GetNoLimiter(client)
            : RateLimitPartition.Get(client, _ => new ClientRateLimiter(perMinute, TimeSpan.FromMinutes(1), time));
    }

    // Monotonic time in TimeSpan ticks, in integers: a double would round large timestamps.
    private long Now
    {
        get
        {
            var timestamp = _time.GetTimestamp();
            var frequency = _time.TimestampFrequency;
            return timestamp / frequency * TimeSpan.TicksPerSecond + timestamp % frequency * TimeSpan.TicksPerSecond / frequency;
        }
    }

    /// <summary>Idle once the bucket is full again: a limiter dropped then and created anew behaves the same.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var now = Now;
                return now >= _theoreticalArrival ? TimeSpan.FromTicks(now - _theoreticalArrival) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            var backlog = Math.Max(0, _theoreticalArrival - Now);
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)((_window - backlog) / _interval),
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _limit);
        lock (_lock)
        {
            var now = Now;
            var next = Math.Max(_theoreticalArrival, now) + permitCount * _interval;
            // Allowed while the backlog stays within one window; otherwise the surplus is exactly the wait.
            var surplus = next - now - _window;
            if (surplus > 0)
            {
                _failed++;
                return new Lease(false, TimeSpan.FromTicks(surplus));
            }
            if (permitCount > 0)
            {
                _theoreticalArrival = next;
                _successful++;
            }
            return new Lease(true, null);
        }
    }

    // No queue: a request over the limit is answered at once, with its Retry-After.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private sealed class Lease(bool isAcquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => isAcquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
