using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Service.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>Searches never queue behind the indexer's batch on the encoder's lock.</summary>
public sealed class EncoderHostTests
{
    private static async Task<EncoderHost> StartAsync(bool separateQueryEncoder)
    {
        var lifetime = new StartedLifetime();
        var host = new EncoderHost(new EncoderOptions { Device = "cpu" }, lifetime, NullLogger<EncoderHost>.Instance, separateQueryEncoder);
        await host.StartAsync(CancellationToken.None);
        lifetime.Start();   // the host loads its encoders once the application has started
        return host;
    }

    private sealed class StartedLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void Start() => _started.Cancel();

        public void StopApplication()
        {
        }

        public void Dispose() => _started.Dispose();
    }

    [Fact]
    public async Task A_query_is_embedded_while_the_indexing_encoder_is_busy_with_a_batch()
    {
        using var host = await StartAsync(separateQueryEncoder: true);
        var indexing = await host.GetAsync(CancellationToken.None);
        var queries = await host.GetQueryEncoderAsync(CancellationToken.None);
        Assert.NotSame(indexing, queries);
        queries.EncodeQuery("warm-up");

        // A batch of 128 full-length chunks, tokenized beforehand: seconds on a CPU, all of it inside the indexing
        // encoder's lock, which it takes at once. A second later the query comes.
        var text = string.Join(' ', Enumerable.Repeat("postgres vector search latency 向量 搜索", 60));
        var ids = Enumerable.Repeat(indexing.Tokenize(text), 128).ToList();
        using var started = new ManualResetEventSlim();
        var batch = Task.Run(() =>
        {
            started.Set();
            return indexing.EncodeIds(ids);
        });
        started.Wait();
        await Task.Delay(TimeSpan.FromSeconds(1));

        var vector = queries.EncodeQuery("how fast is the search");

        Assert.Equal(indexing.Dimensions, vector.Length);
        Assert.False(batch.IsCompleted, "the query waited for the indexing batch");
        await batch;
    }

    [Fact]
    public async Task Without_an_indexer_searches_share_the_one_encoder()
    {
        using var host = await StartAsync(separateQueryEncoder: false);

        Assert.Same(await host.GetAsync(CancellationToken.None), await host.GetQueryEncoderAsync(CancellationToken.None));
    }
}
