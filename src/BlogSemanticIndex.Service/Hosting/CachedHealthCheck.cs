using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>When a check's result was measured and how long measuring it took (the entry's own duration is the cache's).</summary>
internal sealed record HealthMeasurement(DateTimeOffset At, TimeSpan Duration)
{
    /// <summary>The key under which a cached result's data carries its measurement; the response writer lifts it out.</summary>
    public const string DataKey = "__measurement";
}

/// <summary>
/// One run of a health check shared by every <c>/healthz</c> request within <see cref="MaxAge"/> of it, so a load
/// balancer, a container runtime and a dashboard each polling every second cost the database one check a second,
/// and concurrent requests wait on the run in progress instead of starting their own. Each result says its age.
/// </summary>
internal sealed class CachedHealthCheck(IHealthCheck check, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private Task<(HealthCheckResult Result, HealthMeasurement Measurement)>? _latest;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<(HealthCheckResult Result, HealthMeasurement Measurement)> run;
        lock (_lock)
        {
            if (_latest is null || _latest.IsCompleted && time.GetUtcNow() - _latest.Result.Measurement.At >= MaxAge)
            {
                _latest = MeasureAsync(context);
            }
            run = _latest;
        }
        // The run is shared: one request going away must not cancel it for the others (the checks bound themselves,
        // HealthBudget).
        var (result, measurement) = await run.WaitAsync(cancellationToken);
        var data = new Dictionary<string, object>(result.Data) { [HealthMeasurement.DataKey] = measurement };
        return new HealthCheckResult(result.Status, result.Description, result.Exception, data);
    }

    private async Task<(HealthCheckResult, HealthMeasurement)> MeasureAsync(HealthCheckContext context)
    {
        var at = time.GetUtcNow();
        var started = time.GetTimestamp();
        HealthCheckResult result;
        try
        {
            result = await check.CheckHealthAsync(context, CancellationToken.None);
        }
        catch (Exception e)
        {
            // What HealthCheckService does with a check that throws; here, so the failure is cached like any result.
            result = new HealthCheckResult(context.Registration.FailureStatus, e.Message, e);
        }
        return (result, new HealthMeasurement(at, time.GetElapsedTime(started)));
    }
}

internal static class CachedHealthCheckExtensions
{
    /// <summary>Registers <typeparamref name="T"/> (constructed once, from the container) behind a <see cref="CachedHealthCheck"/>.</summary>
    public static IHealthChecksBuilder AddCachedCheck<T>(this IHealthChecksBuilder builder, string name) where T : class, IHealthCheck
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(name, (services, _) =>
            new CachedHealthCheck(ActivatorUtilities.CreateInstance<T>(services), services.GetRequiredService<TimeProvider>()));
        return builder.Add(new HealthCheckRegistration(name, services => services.GetRequiredKeyedService<CachedHealthCheck>(name),
            failureStatus: HealthStatus.Unhealthy, tags: null));
    }
}
