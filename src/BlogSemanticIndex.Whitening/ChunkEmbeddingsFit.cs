using System.Data;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pgvector;

namespace BlogSemanticIndex.Whitening;

/// <summary>
/// Fits a whitening model on every raw vector one encoder model has in <c>chunk_embeddings</c>, streamed into a
/// covariance accumulator (the vectors are never all in memory), then <see cref="WhiteningFitter"/>.
/// </summary>
internal sealed class ChunkEmbeddingsFit(NpgsqlDataSource dataSource, ILogger logger)
{
    /// <exception cref="WhiteningFitException">Too few vectors (fewer than 2, or n ≤ k with γ &gt; 0) or no variance.</exception>
    public async Task<WhiteningModel> FitAsync(int modelId, WhiteningParameters parameters, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var dimensions = await ReadModelDimensionsAsync(modelId, cancellationToken);
        parameters.ValidateOrThrow(dimensions);
        var dims = parameters.ResolveDims(dimensions);

        var accumulator = new CovarianceAccumulator(dimensions);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand("SELECT chunk_id, embedding FROM chunk_embeddings WHERE model_id = @model", connection))
        {
            command.Parameters.AddWithValue("model", modelId);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var chunkId = reader.GetInt64(0);
                var vector = reader.GetFieldValue<Vector>(1).Memory.Span;
                if (vector.Length != dimensions)
                {
                    throw new WhiteningFitException(
                        $"chunk {chunkId} has a {vector.Length}-dimensional vector for encoder model {modelId}, which has {dimensions} dimensions; re-embed it.");
                }
                accumulator.Add(vector);
            }
        }
        if (accumulator.Count <= dims && parameters.Gamma > 0)
        {
            throw new WhiteningFitException(
                $"cannot whiten {accumulator.Count} vectors to {dims} dimensions with Gamma {parameters.Gamma}: with n ≤ k some kept directions have no variance " +
                $"and would only be scaled up by Epsilon; index more posts, lower {WhiteningOptions.SectionName}:Dims below {accumulator.Count}, or use Gamma 0.");
        }
        var model = WhiteningFitter.Fit(accumulator, parameters, modelId, started);
        logger.Fitted(parameters, modelId, model.VectorCount, model.FitSeconds, model.ExplainedVariance);
        return model;
    }

    private async Task<int> ReadModelDimensionsAsync(int modelId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT dimensions FROM encoder_models WHERE id = @model");
        command.Parameters.AddWithValue("model", modelId);
        return await command.ExecuteScalarAsync(cancellationToken) is int dimensions
            ? dimensions
            : throw new InvalidOperationException($"there is no encoder model {modelId} in encoder_models.");
    }
}
