using System.Diagnostics.Metrics;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// The embedding counters of <see cref="IndexingMetrics"/> follow what the encoder did. The collection runs alone (the
/// assembly does not run collections in parallel), so the listener hears only these indexers.
/// </summary>
public sealed class IndexingMetricsTests(EncoderFixture encoder) : SqliteBlogTests(encoder)
{
    protected override async Task SeedAsync()
    {
        await H.InsertPostAsync(1, "Vectors", "<!--markdown-->Cosine distance between sentence vectors.", T - 900);
        await H.InsertPostAsync(2, "Chunks", "<!--markdown-->Long posts are cut into overlapping chunks.", T - 800);
        await H.InsertPostAsync(3, "Whitening", "<!--markdown-->Whitening makes the vector space isotropic.", T - 700);
    }

    [Fact]
    public async Task A_poll_counts_the_chunks_it_embedded_and_the_time_the_encoder_took()
    {
        using var recorded = new EmbeddingRecorder();

        var result = await H.PollAsync();

        Assert.True(result.ChunksEmbedded >= 3);
        Assert.Equal(result.ChunksEmbedded, recorded.Chunks);
        Assert.Equal(result.EmbeddingTime.TotalSeconds, recorded.Seconds, tolerance: 1e-6);
    }

    [Fact]
    public async Task Reused_vectors_are_not_counted()
    {
        await H.PollAsync();
        using var recorded = new EmbeddingRecorder();

        await H.Blog.UpdatePostAsync(2, $"{H.Blog.Q("modified")} = {T - 100}");
        var result = await H.PollAsync();

        Assert.Equal(1, result.PostsWritten);
        Assert.Equal(0, result.ChunksEmbedded);
        Assert.Equal(0, recorded.Chunks);
    }

    /// <summary>Sums what <see cref="IndexingMetrics.EmbeddedChunks"/> and <see cref="IndexingMetrics.EmbeddingTime"/> record while it lives.</summary>
    private sealed class EmbeddingRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _chunks;
        private double _seconds;

        public EmbeddingRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument == IndexingMetrics.EmbeddedChunks || instrument == IndexingMetrics.EmbeddingTime)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _chunks, value));
            _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _seconds += value);
            _listener.Start();
        }

        public long Chunks => Interlocked.Read(ref _chunks);

        public double Seconds => _seconds;

        public void Dispose() => _listener.Dispose();
    }
}
