using Microsoft.Extensions.Logging;
using Npgsql;

using static BlogSemanticIndex.Whitening.WhiteningSql;

namespace BlogSemanticIndex.Whitening;

/// <summary>Listing, the refit policy and the clean-up of retired or abandoned versions.</summary>
public sealed partial class WhiteningStore
{
    /// <summary>Every stored version, newest first.</summary>
    public async Task<IReadOnlyList<WhiteningVersion>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.version, w.model_id, w.beta, w.gamma, w.dims, w.epsilon, w.vector_count, w.fitted_at, w.fit_seconds,
                   w.reduced_table, w.state, a.whitening_version IS NOT NULL, to_regclass(w.reduced_table) IS NOT NULL,
                   w.eigenvalues, w.activated_at, w.retired_at
            FROM whitening_models w LEFT JOIN active_index a ON a.whitening_version = w.version
            ORDER BY w.version DESC
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<WhiteningVersion>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var dims = reader.GetInt32(4);
            var eigenvalues = reader.GetFieldValue<double[]>(13);
            var total = eigenvalues.Sum(l => Math.Max(l, 0));
            var explained = total > 0 ? eigenvalues.Take(dims).Sum(l => Math.Max(l, 0)) / total : 0;
            versions.Add(new WhiteningVersion(reader.GetInt32(0), reader.GetInt32(1), reader.GetDouble(2), reader.GetDouble(3), dims,
                reader.GetDouble(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetDouble(8), reader.GetString(9),
                reader.GetString(10), reader.GetBoolean(11), reader.GetBoolean(12), explained,
                reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
                reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15)));
        }
        return versions;
    }

    /// <summary>
    /// Whether encoder <paramref name="modelId"/>'s raw vectors have grown (or shrunk) by
    /// <see cref="WhiteningOptions.RefitGrowthFraction"/> since the active fit, or whether there is no fit yet
    /// and at least <see cref="WhiteningOptions.MinVectors"/> vectors exist. For the scheduled refit job.
    /// </summary>
    public async Task<RefitCheck> CheckRefitAsync(int modelId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM chunk_embeddings WHERE model_id = @model),
                   w.vector_count, w.version
            FROM active_index a LEFT JOIN whitening_models w ON w.version = a.whitening_version AND w.model_id = @model
            """);
        command.Parameters.AddWithValue("model", modelId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var current = reader.GetInt64(0);
        int? fitted = reader.IsDBNull(1) ? null : reader.GetInt32(1);
        int? version = reader.IsDBNull(2) ? null : reader.GetInt32(2);

        var fraction = _options.RefitGrowthFraction;
        if (fraction <= 0)
        {
            return new RefitCheck(false, current, fitted, version, $"automatic refits are off ({WhiteningOptions.SectionName}:RefitGrowthFraction is 0)");
        }
        if (current < _options.MinVectors)
        {
            return new RefitCheck(false, current, fitted, version,
                $"{current} raw vectors, fewer than {WhiteningOptions.SectionName}:MinVectors ({_options.MinVectors})");
        }
        if (fitted is null)
        {
            return new RefitCheck(true, current, null, null, $"no active whitening for encoder model {modelId}; {current} raw vectors");
        }
        var change = Math.Abs(current - (double)fitted.Value) / Math.Max(1, fitted.Value);
        return change >= fraction
            ? new RefitCheck(true, current, fitted, version, $"{current} raw vectors against {fitted} at the fit of version {version} ({change:P0} change ≥ {fraction:P0})")
            : new RefitCheck(false, current, fitted, version, $"{current} raw vectors against {fitted} at the fit of version {version} ({change:P0} change < {fraction:P0})");
    }

    /// <summary>
    /// Drops the tables of retired versions. Waits at most 2 s for searches still reading a table; a table it
    /// could not drop stays for the next call. Returns the tables dropped.
    /// </summary>
    /// <remarks>
    /// Versions fitted on an encoder model other than the active one are retired first: after an encoder
    /// switch (which clears <c>active_index.whitening_version</c> and deletes the old model's raw vectors) they
    /// can never be made live again. Call this from the scheduled refit job as well, so tables left while a
    /// long search held them are eventually dropped.
    /// </remarks>
    public async Task<int> DropRetiredTablesAsync(CancellationToken cancellationToken = default)
    {
        await using (var retire = dataSource.CreateCommand("""
            UPDATE whitening_models w SET state = 'retired', retired_at = now()
            FROM active_index a
            WHERE w.state = 'ready' AND a.model_id IS NOT NULL AND w.model_id <> a.model_id
              AND w.version IS DISTINCT FROM a.whitening_version
            """))
        {
            await retire.ExecuteNonQueryAsync(cancellationToken);
        }
        var candidates = new List<(int Version, string Table)>();
        await using (var command = dataSource.CreateCommand("""
            SELECT version, reduced_table FROM whitening_models
            WHERE state = 'retired' AND to_regclass(reduced_table) IS NOT NULL
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                candidates.Add((reader.GetInt32(0), reader.GetString(1)));
            }
        }
        var dropped = 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var (version, table) in candidates)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                await ExecuteAsync(connection, transaction, "SET LOCAL lock_timeout = '2s'", cancellationToken);
                // Holding the version row keeps an activation from switching to the table while it goes.
                var state = (string?)await ScalarAsync(connection, transaction, """
                    SELECT w.state FROM whitening_models w
                    WHERE w.version = @version AND w.version IS DISTINCT FROM (SELECT whitening_version FROM active_index)
                    FOR UPDATE OF w
                    """, cancellationToken, ("version", version));
                if (state != WhiteningState.Retired)
                {
                    continue;
                }
                await ExecuteAsync(connection, transaction, $"DROP TABLE IF EXISTS {QuoteTable(table)}", cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                dropped++;
                _logger.DroppedRetired(table, version);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                _logger.RetiredStillRead(table, version);
            }
        }
        return dropped;
    }

    /// <summary>
    /// Finds <c>building</c> versions whose builder is gone (its advisory lock is free: the process died),
    /// drops their half-built tables and marks them <c>retired</c> (activating one rebuilds its table).
    /// </summary>
    public async Task<int> DropAbandonedBuildsAsync(CancellationToken cancellationToken = default)
    {
        var building = new List<(int Version, string Table)>();
        await using (var command = dataSource.CreateCommand("SELECT version, reduced_table FROM whitening_models WHERE state = 'building'"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                building.Add((reader.GetInt32(0), reader.GetString(1)));
            }
        }
        var cleaned = 0;
        if (building.Count == 0)
        {
            return 0;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var (version, table) in building)
        {
            if (!await TryLockAsync(connection, version, cancellationToken))
            {
                continue; // a live build
            }
            try
            {
                var changed = await ExecuteAsync(connection, null, $"""
                    DROP TABLE IF EXISTS {QuoteTable(table)};
                    UPDATE whitening_models SET state = 'retired', retired_at = now() WHERE version = @version AND state = 'building';
                    """, cancellationToken, ("version", version));
                if (changed > 0)
                {
                    cleaned++;
                    _logger.DroppedAbandoned(version, table);
                }
            }
            finally
            {
                await UnlockQuietlyAsync(connection, version);
            }
        }
        return cleaned;
    }
}
