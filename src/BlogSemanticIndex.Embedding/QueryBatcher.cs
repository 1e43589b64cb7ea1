using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace BlogSemanticIndex.Embedding;

/// <summary>
/// Query embeddings for concurrent searches, several per forward pass. An encoder runs one batch at a time, so
/// under load searches queue for it anyway; here a search queues its query, and whichever search holds the encoder
/// next embeds every query waiting (up to <paramref name="maxBatch"/>) in one call, the others finding their
/// vector done: one forward pass, or a few where their lengths differ widely (<see cref="SentenceEncoder.PlanBatches"/>).
/// A pass of several short queries costs little more than one (about 8 ms of a short query's pass is fixed on the
/// 2-core Xeon), so the same CPU embeds more queries a second; a lone query is embedded alone, as before.
/// </summary>
public sealed class QueryBatcher(SentenceEncoder encoder, int maxBatch = 16)
{
    private readonly ConcurrentQueue<Pending> _waiting = new();
    private readonly Lock _gate = new();

    private sealed class Pending(string text)
    {
        public string Text { get; } = text;

        public float[]? Vector { get; set; }

        public ExceptionDispatchInfo? Error { get; set; }
    }

    /// <summary>The query's vector, as <see cref="SentenceEncoder.EncodeQuery"/> makes it (its prefix included). Safe to call concurrently.</summary>
    public float[] EncodeQuery(string query)
    {
        var mine = new Pending(encoder.QueryPrefix + query);
        _waiting.Enqueue(mine);
        lock (_gate)
        {
            // Results are written and read under the gate, so a vector set by another caller's batch is seen here.
            while (mine.Vector is null && mine.Error is null)
            {
                var batch = new List<Pending>(maxBatch);
                while (batch.Count < maxBatch && _waiting.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
                try
                {
                    var vectors = encoder.Encode([.. batch.Select(p => p.Text)]);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Vector = vectors[i];
                    }
                }
                catch (Exception e)
                {
                    // Every query of the failed batch fails with the same error, each in its own caller.
                    var error = ExceptionDispatchInfo.Capture(e);
                    foreach (var pending in batch)
                    {
                        pending.Error = error;
                    }
                }
            }
        }
        mine.Error?.Throw();
        return mine.Vector!;
    }
}
