using BlogSemanticIndex.Embedding;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>
/// Owns the process's one encoder. Loading (importing the builtin model on first run, reading the
/// weights) takes seconds, so it runs in the background after start and the service answers
/// /healthz meanwhile; what needs vectors awaits <see cref="GetAsync"/>.
/// </summary>
internal sealed class EncoderHost(EncoderOptions options, ILogger<EncoderHost> logger) : IHostedService, IDisposable
{
    private readonly TaskCompletionSource<SentenceEncoder> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<SentenceEncoder> GetAsync(CancellationToken cancellationToken) => _loaded.Task.WaitAsync(cancellationToken);

    /// <summary>Null while loading; the failure, when loading failed.</summary>
    public Exception? Failure => _loaded.Task.Exception?.InnerException;

    public SentenceEncoder? Loaded => _loaded.Task.IsCompletedSuccessfully ? _loaded.Task.Result : null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(() =>
        {
            try
            {
                var encoder = SentenceEncoder.Create(options);
                logger.LogInformation("Encoder {Model}@{Revision} loaded: {Dimensions} dims, {Device} {Precision}",
                    encoder.Info.Name, encoder.Info.Revision, encoder.Info.Dimensions, encoder.Info.Device, encoder.Info.Precision);
                _loaded.SetResult(encoder);
            }
            catch (Exception e)
            {
                logger.LogError("Cannot load the encoder {Model}: {Reason}", options.Model, e.Message);
                _loaded.SetException(e);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => Loaded?.Dispose();
}

/// <summary>Healthy once the encoder is loaded, degraded while it loads, unhealthy when it could not be loaded.</summary>
internal sealed class EncoderHealthCheck(EncoderHost host, EncoderOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (host.Loaded is { } encoder)
        {
            var info = encoder.Info;
            return Task.FromResult(HealthCheckResult.Healthy($"{info.Name} loaded", new Dictionary<string, object>
            {
                ["model"] = info.Name,
                ["revision"] = info.Revision,
                ["dimensions"] = info.Dimensions,
                ["maxTokens"] = info.MaxTokens,
                ["device"] = info.Device,
                ["precision"] = info.Precision,
            }));
        }
        return Task.FromResult(host.Failure is { } failure
            ? HealthCheckResult.Unhealthy($"cannot load {options.Model}: {failure.Message}")
            : HealthCheckResult.Degraded($"loading {options.Model}"));
    }
}
