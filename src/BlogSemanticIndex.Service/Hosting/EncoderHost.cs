using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Tokenization;
using BlogSemanticIndex.Search;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>
/// Owns the process's encoders. Loading (importing the builtin model on first run, reading the
/// weights) takes seconds, so it runs in the background after start and the service answers
/// /healthz meanwhile; what needs vectors awaits <see cref="GetAsync"/> or <see cref="GetQueryEncoderAsync"/>.
/// </summary>
/// <remarks>
/// An encoder runs one batch at a time (its lock). While the indexer embeds a batch of posts (seconds on a CPU),
/// a search sharing that encoder would wait for the whole batch; with <paramref name="separateQueryEncoder"/>
/// searches get an instance of their own (a second copy of the weights, ~90 MB for MiniLM), so a query's embedding
/// only competes for the CPU, never for the lock.
/// </remarks>
internal sealed class EncoderHost(
    EncoderOptions options, IHostApplicationLifetime lifetime, ILogger<EncoderHost> logger, bool separateQueryEncoder) : IHostedService, IDisposable
{
    private readonly TaskCompletionSource<SentenceEncoder> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SentenceEncoder> _queryLoaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The encoder the indexer uses.</summary>
    public Task<SentenceEncoder> GetAsync(CancellationToken cancellationToken) => _loaded.Task.WaitAsync(cancellationToken);

    /// <summary>The encoder searches use: the indexer's own when there is no indexer in this process, else another instance.</summary>
    public Task<SentenceEncoder> GetQueryEncoderAsync(CancellationToken cancellationToken) => _queryLoaded.Task.WaitAsync(cancellationToken);

    /// <summary>Null while loading; the failure, when loading failed.</summary>
    public Exception? Failure => _loaded.Task.Exception?.InnerException;

    public SentenceEncoder? Loaded => _loaded.Task.IsCompletedSuccessfully ? _loaded.Task.Result : null;

    /// <summary>The searches' encoder once loaded; null while loading or after a failure (see <see cref="Failure"/>).</summary>
    public SentenceEncoder? QueryLoaded => _queryLoaded.Task.IsCompletedSuccessfully ? _queryLoaded.Task.Result : null;

    private volatile Task _loading = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Loading starts once the host has started (the server listens), so a start that fails (a port in use) exits
        // with its one line instead of tearing libtorch down in the middle of a load.
        lifetime.ApplicationStarted.Register(() => _loading = Task.Run(() =>
        {
            try
            {
                // Without an indexer the one encoder embeds queries only, so it runs in the query precision.
                var queryOptions = options.ForQueries();
                var encoder = SentenceEncoder.Create(separateQueryEncoder ? options : queryOptions);
                logger.EncoderLoaded(encoder.Info.Name, encoder.Info.Revision, encoder.Info.Dimensions, encoder.Info.Device, encoder.Info.Precision);
                _loaded.SetResult(encoder);
                var queryEncoder = separateQueryEncoder ? SentenceEncoder.Create(queryOptions) : encoder;
                if (queryEncoder != encoder)
                {
                    logger.QueryEncoderLoaded(queryEncoder.Info.Device, queryEncoder.Info.Precision, queryEncoder.Info.Threads);
                }
                if (queryEncoder.PrecisionProbe is { } probe)
                {
                    logger.QueryPrecisionMeasured(queryEncoder.Info.Precision, probe.Fp32Ms, probe.Bf16Ms);
                }
                _queryLoaded.SetResult(queryEncoder);
            }
            catch (Exception e)
            {
                logger.EncoderLoadFailed(options.Model, e.Message);
                _loaded.TrySetException(e);
                _queryLoaded.TrySetException(e);
            }
        }, CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits for a load still running (a second or two; it cannot be interrupted): a process that exits while libtorch
    /// converts weights on another thread aborts (exit 134, SIGABRT) instead of stopping cleanly on SIGTERM.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => _loading.WaitAsync(cancellationToken);

    public void Dispose()
    {
        if (_queryLoaded.Task.IsCompletedSuccessfully && _queryLoaded.Task.Result != Loaded)
        {
            _queryLoaded.Task.Result.Dispose();
        }
        Loaded?.Dispose();
    }
}

/// <summary>
/// The host's encoder as the search's query embedder, looked up per query rather than at construction: keyword
/// searches and related posts need no query vector, so they keep answering while the encoder loads or after it
/// failed to load, and the semantic leg reports why it cannot run (hybrid then degrades to keyword results).
/// </summary>
internal sealed class HostedQueryEmbedder(EncoderHost host) : IQueryEmbedder
{
    private EncoderCoverage? _coverage;
    private QueryBatcher? _batcher;

    public string ModelName => Encoder.Info.Name;

    public string ModelRevision => Encoder.Info.Revision;

    /// <summary>Concurrent searches share forward passes (<see cref="QueryBatcher"/>); the searches' encoder never changes once loaded.</summary>
    public float[] EmbedQuery(string query) => LazyInitializer.EnsureInitialized(ref _batcher, () => new QueryBatcher(Encoder)).EncodeQuery(query);

    /// <summary>
    /// Without an encoder, an empty report (coverage 1): keyword searches never ask the encoder, and hybrid then tries
    /// the semantic leg, which reports why it cannot run, so the answer says it degraded.
    /// </summary>
    public CoverageReport MeasureCoverage(string query) => host.QueryLoaded is { } encoder
        ? (_coverage ??= new EncoderCoverage(encoder.Tokenizer)).Measure(query)
        : new CoverageReport([]);

    private SentenceEncoder Encoder => host.QueryLoaded ?? throw new SemanticUnavailableException(host.Failure is { } failure
        ? $"the encoder could not be loaded: {failure.Message}"
        : "the encoder is still loading");
}

/// <summary>
/// Healthy once the encoder is loaded (the searches' instance too, when they have their own), degraded while it loads,
/// unhealthy when it could not be loaded.
/// </summary>
internal sealed class EncoderHealthCheck(EncoderHost host, EncoderOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // The searches' instance loads after the indexer's: until then a semantic search answers 503 "still loading".
        if (host.Loaded is { } encoder && host.QueryLoaded is { } queryEncoder)
        {
            var info = encoder.Info;
            var data = new Dictionary<string, object>
            {
                ["model"] = info.Name,
                ["revision"] = info.Revision,
                ["dimensions"] = info.Dimensions,
                ["maxTokens"] = info.MaxTokens,
                ["device"] = info.Device,
                ["precision"] = info.Precision,
                // The searches' own instance may run in another precision (Encoder:QueryPrecision; its auto measured on a bf16 CPU).
                ["queryPrecision"] = queryEncoder.Info.Precision,
            };
            if (queryEncoder.PrecisionProbe is { } probe)
            {
                data["queryPrecisionProbe"] = new Dictionary<string, object> { ["fp32Ms"] = probe.Fp32Ms, ["bf16Ms"] = probe.Bf16Ms };
            }
            return Task.FromResult(HealthCheckResult.Healthy($"{info.Name} loaded", data));
        }
        return Task.FromResult(host.Failure is { } failure
            ? HealthCheckResult.Unhealthy($"cannot load {options.Model}: {failure.Message}")
            : HealthCheckResult.Degraded($"loading {options.Model}"));
    }
}
