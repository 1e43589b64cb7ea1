using BlogSemanticIndex.Service.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace BlogSemanticIndex.Service.Tests;

public sealed class CachedHealthCheckTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));

    private static HealthCheckContext Context(HealthStatus failureStatus = HealthStatus.Unhealthy) =>
        new() { Registration = new HealthCheckRegistration("probe", new CountingCheck(), failureStatus, tags: null) };

    [Fact]
    public async Task Requests_within_a_second_share_one_run_and_say_its_age_and_a_later_one_runs_again()
    {
        var check = new CountingCheck();
        var cached = new CachedHealthCheck(check, _time);

        var first = await cached.CheckHealthAsync(Context());
        _time.Advance(TimeSpan.FromMilliseconds(900));
        var second = await cached.CheckHealthAsync(Context());
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var third = await cached.CheckHealthAsync(Context());

        Assert.Equal("run 1", first.Description);
        Assert.Equal("run 1", second.Description);
        Assert.Equal(Measurement(first).At, Measurement(second).At);
        Assert.Equal(TimeSpan.FromMilliseconds(900), _time.GetUtcNow().AddMilliseconds(-100) - Measurement(second).At);
        Assert.Equal("run 2", third.Description);
        Assert.Equal(_time.GetUtcNow(), Measurement(third).At);
        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task Concurrent_requests_wait_on_the_run_in_progress_instead_of_starting_their_own()
    {
        var gate = new TaskCompletionSource();
        var check = new CountingCheck(gate.Task);
        var cached = new CachedHealthCheck(check, _time);

        var waiting = Enumerable.Range(0, 5).Select(_ => cached.CheckHealthAsync(Context())).ToList();
        _time.Advance(TimeSpan.FromSeconds(3)); // a slow run: it is still the one they wait for
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        gate.SetResult();
        var results = await Task.WhenAll(waiting);

        Assert.Equal(1, check.Runs);
        Assert.All(results, r => Assert.Equal("run 1", r.Description));
        Assert.All(results, r => Assert.Equal(TimeSpan.FromSeconds(3), Measurement(r).Duration));
    }

    [Fact]
    public async Task A_request_that_gives_up_does_not_cancel_the_run_others_wait_on()
    {
        var gate = new TaskCompletionSource();
        var cached = new CachedHealthCheck(new CountingCheck(gate.Task), _time);
        using var impatient = new CancellationTokenSource();

        var gaveUp = cached.CheckHealthAsync(Context(), impatient.Token);
        var patient = cached.CheckHealthAsync(Context());
        await impatient.CancelAsync();
        gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        Assert.Equal("run 1", (await patient).Description);
    }

    [Fact]
    public async Task A_check_that_throws_is_reported_with_its_failure_status_and_cached_like_any_result()
    {
        var check = new CountingCheck(failWith: new InvalidOperationException("probe broke"));
        var cached = new CachedHealthCheck(check, _time);

        var first = await cached.CheckHealthAsync(Context(HealthStatus.Degraded));
        var second = await cached.CheckHealthAsync(Context(HealthStatus.Degraded));

        Assert.Equal(HealthStatus.Degraded, first.Status);
        Assert.Equal("probe broke", first.Description);
        Assert.Same(first.Exception, second.Exception);
        Assert.Equal(1, check.Runs);
    }

    private static HealthMeasurement Measurement(HealthCheckResult result) => (HealthMeasurement)result.Data[HealthMeasurement.DataKey];

    /// <summary>Answers "run N"; optionally waits for a gate first, while the fake clock is moved by the test.</summary>
    private sealed class CountingCheck(Task? gate = null, Exception? failWith = null) : IHealthCheck
    {
        private int _runs;
        public int Runs => _runs;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var run = Interlocked.Increment(ref _runs);
            if (gate is not null)
            {
                await gate;
            }
            if (failWith is not null)
            {
                throw failWith;
            }
            return HealthCheckResult.Healthy($"run {run}", new Dictionary<string, object> { ["run"] = run });
        }
    }
}
