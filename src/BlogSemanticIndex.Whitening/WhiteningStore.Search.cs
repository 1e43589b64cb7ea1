using Microsoft.Extensions.Logging;
using Npgsql;

namespace BlogSemanticIndex.Whitening;

/// <summary>The search's side: the live version, its model, and the retry when a switch dropped a table.</summary>
public sealed partial class WhiteningStore
{
    /// <summary>The live version with its model, or null when no whitening is active (search the raw vectors).</summary>
    public async Task<ActiveWhitening?> GetActiveAsync(CancellationToken cancellationToken = default)
    {
        int version;
        string table;
        await using (var command = dataSource.CreateCommand("""
            SELECT a.whitening_version, w.reduced_table
            FROM active_index a JOIN whitening_models w ON w.version = a.whitening_version
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            version = reader.GetInt32(0);
            table = reader.GetString(1);
        }
        return new ActiveWhitening(version, table, await LoadAsync(version, cancellationToken));
    }

    /// <summary>
    /// Runs a search against the live version. When the version switched and the table the search named was
    /// dropped under it (<c>undefined_table</c>), the pointer is read again and the search runs once more on
    /// the new version, so callers see a result from exactly one version and never the race.
    /// </summary>
    /// <param name="search">Gets the live version (null when none, or when whitening is disabled: search the raw vectors); must only read.</param>
    public async Task<T> RunOnActiveAsync<T>(Func<ActiveWhitening?, CancellationToken, Task<T>> search, CancellationToken cancellationToken = default)
    {
        // Disabled, the indexer writes no reduced vectors, so a version left live from before would miss every new post.
        if (!_options.Enabled)
        {
            return await search(null, cancellationToken);
        }
        var active = await GetActiveAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await search(active, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable && attempt < 3)
            {
                var now = await GetActiveAsync(cancellationToken);
                if (now?.Version == active?.Version)
                {
                    throw;
                }
                _logger.DroppedDuringSearch(active?.Version, now?.Version);
                active = now;
            }
        }
    }

    /// <summary>A stored version's model (cached: versions never change once saved).</summary>
    public async Task<WhiteningModel> LoadAsync(int version, CancellationToken cancellationToken = default)
    {
        if (_models.TryGetValue(version, out var cached))
        {
            return cached;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT model_id, beta, gamma, dims, epsilon, mean, projection, eigenvalues, vector_count, fit_seconds
            FROM whitening_models WHERE version = @version
            """);
        command.Parameters.AddWithValue("version", version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"there is no whitening version {version}; `bsi whitening list` shows the stored versions.");
        }
        var model = new WhiteningModel(reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetInt32(3), reader.GetDouble(4),
            reader.GetFieldValue<double[]>(5), reader.GetFieldValue<double[]>(6), reader.GetFieldValue<double[]>(7),
            reader.GetInt32(8), reader.GetDouble(9));
        return _models.GetOrAdd(version, model);
    }
}
