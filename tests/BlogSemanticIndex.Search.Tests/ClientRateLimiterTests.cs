using System.Threading.RateLimiting;
using BlogSemanticIndex.Search.Api;
using Microsoft.Extensions.Time.Testing;

namespace BlogSemanticIndex.Search.Tests;

public sealed class ClientRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_burst_up_to_the_limit_passes_and_the_next_request_learns_exactly_when_a_permit_frees()
    {
        using var limiter = new ClientRateLimiter(6, TimeSpan.FromMinutes(1), _time);

        for (var i = 0; i < 6; i++)
        {
            using var lease = limiter.AttemptAcquire();
            Assert.True(lease.IsAcquired, $"request {i + 1}");
        }
        _time.Advance(TimeSpan.FromSeconds(3));
        using var refused = limiter.AttemptAcquire();

        Assert.False(refused.IsAcquired);
        // One permit per 10 s, the first due 10 s after the burst: 7 s from now, not a whole window.
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(7), retryAfter);
    }

    [Fact]
    public void Waiting_the_retry_after_is_enough_and_a_moment_less_is_not()
    {
        using var limiter = new ClientRateLimiter(2, TimeSpan.FromMinutes(1), _time);
        limiter.AttemptAcquire().Dispose();
        limiter.AttemptAcquire().Dispose();
        using var refused = limiter.AttemptAcquire();
        refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);

        _time.Advance(retryAfter - TimeSpan.FromMilliseconds(1));
        using var early = limiter.AttemptAcquire();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var onTime = limiter.AttemptAcquire();

        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);
        Assert.False(early.IsAcquired);
        Assert.True(early.TryGetMetadata(MetadataName.RetryAfter, out var remaining));
        Assert.Equal(TimeSpan.FromMilliseconds(1), remaining);
        Assert.True(onTime.IsAcquired);
    }

    [Fact]
    public void Refused_requests_do_not_push_the_next_permit_further_away()
    {
        using var limiter = new ClientRateLimiter(1, TimeSpan.FromSeconds(10), _time);
        limiter.AttemptAcquire().Dispose();

        for (var i = 0; i < 100; i++)
        {
            limiter.AttemptAcquire().Dispose();
        }
        _time.Advance(TimeSpan.FromSeconds(10));

        using var lease = limiter.AttemptAcquire();
        Assert.True(lease.IsAcquired);
        Assert.Equal(100, limiter.GetStatistics()!.TotalFailedLeases);
    }

    [Fact]
    public void It_is_idle_only_once_its_bucket_is_full_again_so_dropping_it_then_forgets_nothing()
    {
        using var limiter = new ClientRateLimiter(2, TimeSpan.FromMinutes(1), _time);
        Assert.Equal(TimeSpan.Zero, limiter.IdleDuration);

        limiter.AttemptAcquire().Dispose();
        Assert.Null(limiter.IdleDuration);
        Assert.Equal(1, limiter.GetStatistics()!.CurrentAvailablePermits);

        _time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(TimeSpan.FromSeconds(15), limiter.IdleDuration);
        Assert.Equal(2, limiter.GetStatistics()!.CurrentAvailablePermits);
    }
}
