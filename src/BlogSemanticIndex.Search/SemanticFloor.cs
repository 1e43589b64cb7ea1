using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BlogSemanticIndex.Search;

/// <summary>
/// The semantic leg's relevance floor for one vector space: the best cosine similarity that any of
/// <see cref="Probes"/> (fixed strings of random letters, embedded as queries) reaches against this blog's chunks. A
/// post the semantic leg finds must be more similar to the query than nonsense ever gets to anything in the blog, so a
/// query that means nothing to the blog gets no semantic posts at all.
/// </summary>
/// <remarks>
/// Why probes and not random pairs of chunks: the similarity of two chunks of one blog says little about a query's. On
/// the demo blog (builtin MiniLM, raw vectors) chunk pairs reach 0.93 at the 99th percentile (posts on one topic
/// share text), while nonsense queries reach at most 0.36 and real paraphrases reach 0.29 to 0.73.
/// Kept in <c>semantic_floors</c> per (model, whitening version), so each whitening fit gets its own and every node and
/// <c>bsi status</c> read the same value; computed again when the space's chunk count moved by a quarter.
/// </remarks>
public sealed class SemanticFloor(NpgsqlDataSource dataSource, ILogger<SemanticFloor>? logger = null)
{
    /// <summary>How long a node trusts the floor it read before looking at the chunk count again.</summary>
    private static readonly TimeSpan Reuse = TimeSpan.FromMinutes(10);

    private const double RecomputeGrowth = 0.25;

    /// <summary>48 strings of 1 to 3 words of 4 to 11 random lower-case letters, the same on every node and run.</summary>
    public static readonly IReadOnlyList<string> Probes = MakeProbes();

    private readonly ConcurrentDictionary<(int Model, int Whitening), (double Similarity, DateTimeOffset ReadAt)> _floors = new();
    private int _computing; // 1 while a floor is read or computed in the background

    /// <summary>
    /// Whether no floor is being read or computed. Rankings made meanwhile may list posts the coming floor will drop,
    /// so the ranking cache does not keep them.
    /// </summary>
    public bool Settled => Volatile.Read(ref _computing) == 0;

    /// <summary>
    /// The floor of (<paramref name="modelId"/>, <paramref name="whiteningVersion"/>, 0 for raw vectors) if this node
    /// knows it, else null while it is read or computed in the background with <paramref name="bestSimilarity"/> (a
    /// probe's best similarity in the space): computing embeds 48 probes, which must not count against a visitor's
    /// request timeout. A floor older than <see cref="Reuse"/> is still returned while it is checked again.
    /// </summary>
    public double? TryGet(int modelId, int whiteningVersion, Func<string, CancellationToken, Task<double>> bestSimilarity)
    {
        var key = (modelId, whiteningVersion);
        var known = _floors.TryGetValue(key, out var floor);
        if ((!known || DateTimeOffset.UtcNow - floor.ReadAt >= Reuse) && Interlocked.CompareExchange(ref _computing, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await GetAsync(modelId, whiteningVersion, bestSimilarity, CancellationToken.None);
                }
                catch (Exception e)
                {
                    logger?.FloorFailed(e, modelId, whiteningVersion);
                }
                finally
                {
                    Volatile.Write(ref _computing, 0);
                }
            });
        }
        return known ? floor.Similarity : null;
    }

    /// <summary>The floor, read or computed now (at most one computation per node runs: callers serialise on it).</summary>
    public async Task<double> GetAsync(int modelId, int whiteningVersion, Func<string, CancellationToken, Task<double>> bestSimilarity,
        CancellationToken cancellationToken)
    {
        var chunks = await CountChunksAsync(modelId, cancellationToken);
        var stored = await ReadAsync(modelId, whiteningVersion, cancellationToken);
        double similarity;
        if (stored is { } row && Math.Abs(chunks - row.Chunks) <= RecomputeGrowth * Math.Max(row.Chunks, 1))
        {
            similarity = row.Similarity;
        }
        else
        {
            similarity = double.NegativeInfinity;
            foreach (var probe in Probes)
            {
                similarity = Math.Max(similarity, await bestSimilarity(probe, cancellationToken));
            }
            await WriteAsync(modelId, whiteningVersion, similarity, chunks, cancellationToken);
        }
        _floors[(modelId, whiteningVersion)] = (similarity, DateTimeOffset.UtcNow);
        return similarity;
    }

    private async Task<long> CountChunksAsync(int modelId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM chunk_embeddings WHERE model_id = @model");
        command.Parameters.AddWithValue("model", modelId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<(double Similarity, long Chunks)?> ReadAsync(int modelId, int whiteningVersion, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT similarity, chunks FROM semantic_floors WHERE model_id = @model AND whitening_version = @whitening");
        command.Parameters.AddWithValue("model", modelId);
        command.Parameters.AddWithValue("whitening", whiteningVersion);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetDouble(0), reader.GetInt64(1)) : null;
    }

    private async Task WriteAsync(int modelId, int whiteningVersion, double similarity, long chunks, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO semantic_floors (model_id, whitening_version, similarity, chunks) VALUES (@model, @whitening, @similarity, @chunks)
            ON CONFLICT (model_id, whitening_version) DO UPDATE SET similarity = excluded.similarity, chunks = excluded.chunks, computed_at = now()
            """);
        command.Parameters.AddWithValue("model", modelId);
        command.Parameters.AddWithValue("whitening", whiteningVersion);
        command.Parameters.AddWithValue("similarity", similarity);
        command.Parameters.AddWithValue("chunks", chunks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string[] MakeProbes()
    {
        // A fixed seed: the floor must not move between nodes or restarts for the same vectors.
        var random = new Random(20261202);
        return [.. Enumerable.Range(0, 48).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 4))
            .Select(_ => new string([.. Enumerable.Range(0, random.Next(4, 12)).Select(_ => (char)('a' + random.Next(26)))]))))];
    }
}
