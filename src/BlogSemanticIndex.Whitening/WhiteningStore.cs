using System.Globalization;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static BlogSemanticIndex.Whitening.WhiteningSql;

namespace BlogSemanticIndex.Whitening;

/// <summary>
/// Versioned whitening models in PostgreSQL, each with its own reduced-vector table
/// <c>chunk_vectors_w{version}</c> (chunk_id, cid, text_hash, embedding halfvec(k), HNSW cosine index; <see cref="ReducedVectors"/>): saving, listing,
/// loading, activating and cleaning them up. Fitting is <see cref="ChunkEmbeddingsFit"/> (streaming the raw vectors)
/// and <see cref="WhiteningFitter"/> (the math); building a version's table is <see cref="ReducedTableBuilder"/>; the
/// live swap is <see cref="WhiteningSwitch"/>.
/// </summary>
/// <remarks>
/// <para><b>Build beside, then switch.</b> A fit inserts its row as <c>building</c>, then creates, fills
/// (binary COPY), indexes and analyses its table while the active version keeps serving. Only then does
/// one READ COMMITTED transaction lock the <c>active_index</c> row, catch the new table up with the raw
/// vectors written since it was filled, mark it <c>ready</c>, move the pointer and mark the previous
/// version <c>retired</c>. Retired tables are dropped after that commit. A search therefore never sees
/// a table the pointer names before it is complete.</para>
/// <para><b>Concurrent fits</b> each build their own table; their switches serialise on the
/// <c>active_index</c> row lock, so the last to commit is live and the other is retired — neither can
/// expose a half-built table. A session advisory lock per version (keyed by schema and version) marks a
/// build in progress, so a crashed build's leftovers are recognised and cleaned up
/// (<see cref="DropAbandonedBuildsAsync"/>).</para>
/// <para><b>The indexer</b> writes new chunks' reduced vectors with <see cref="TransformAndUpsertAsync(NpgsqlConnection, NpgsqlTransaction?, int, IReadOnlyCollection{long}, CancellationToken)"/>
/// in its own transaction, which takes a share lock on the <c>active_index</c> row: a switch waits for
/// those transactions, and its catch-up then sees what they committed, so no chunk is lost between the
/// table fill and the switch.</para>
/// <para><b>Searches</b> read the pointer, then query the named table. A search that read the old name
/// just before the old table is dropped gets <c>undefined_table</c>; <see cref="RunOnActiveAsync{T}"/>
/// re-reads the pointer and retries on the new version. The drop waits at most 2 s for searches still
/// reading the old table (lock_timeout) and otherwise leaves it for the next clean-up.</para>
/// </remarks>
public sealed partial class WhiteningStore(NpgsqlDataSource dataSource, WhiteningOptions? options = null, ILogger<WhiteningStore>? logger = null)
{
    private const string TablePrefix = "chunk_vectors_w";

    // Advisory locks are per database; the schema in the key keeps isolated indexes (one schema each) apart.
    private const string TryLockSql = "SELECT pg_try_advisory_lock(hashtext(current_schema() || ':bsi_whitening_build'), @version)";
    private const string UnlockSql = "SELECT pg_advisory_unlock(hashtext(current_schema() || ':bsi_whitening_build'), @version)";

    private readonly WhiteningOptions _options = options ?? new WhiteningOptions();

    /// <summary>Whether searches use the live version (<c>Whitening:Enabled</c>); when not, they search the raw vectors.</summary>
    public bool Enabled => _options.Enabled;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    // A version's model never changes once saved, so it is read once per process.
    private readonly ConcurrentDictionary<int, WhiteningModel> _models = new();

    [GeneratedRegex(@"^chunk_vectors_w[0-9]+$")]
    private static partial Regex TableNamePattern();

    /// <summary>The reduced-vector table of a version.</summary>
    public static string TableName(int version) => $"{TablePrefix}{version}";

    /// <summary>Quotes a reduced-vector table name for SQL text; refuses anything that is not one.</summary>
    public static string QuoteTable(string table) =>
        TableNamePattern().IsMatch(table) ? $"\"{table}\"" : throw new ArgumentException($"\"{table}\" is not a whitening table name ({TablePrefix}<version>).", nameof(table));

    // ---------------------------------------------------------------- fit, build, switch

    /// <summary>
    /// Fits a new version on every raw vector of encoder <paramref name="modelId"/> in <c>chunk_embeddings</c>,
    /// builds its table beside the active one and, with <paramref name="activate"/>, switches to it.
    /// </summary>
    /// <exception cref="WhiteningFitException">Too few vectors (fewer than 2, or n ≤ k with γ &gt; 0) or no variance.</exception>
    public async Task<WhiteningBuildResult> FitAsync(int modelId, WhiteningParameters parameters, bool activate = true,
        CancellationToken cancellationToken = default)
    {
        var model = await new ChunkEmbeddingsFit(dataSource, _logger).FitAsync(modelId, parameters, cancellationToken);
        return await SaveAndBuildAsync(model, activate, cancellationToken);
    }

    /// <summary>
    /// Saves a fitted model as a new version, builds its table (vectors of its encoder model from
    /// <c>chunk_embeddings</c>, HNSW index, ANALYZE) and, with <paramref name="activate"/>, switches to it;
    /// otherwise it stays <c>ready</c> for <see cref="ActivateAsync"/>. On failure the version is removed.
    /// </summary>
    public async Task<WhiteningBuildResult> SaveAndBuildAsync(WhiteningModel model, bool activate = true, CancellationToken cancellationToken = default)
    {
        if (model.SourceModelId <= 0)
        {
            throw new ArgumentException("the model has no source encoder model id; fit it with the encoder_models id of its vectors.", nameof(model));
        }
        await DropAbandonedBuildsAsync(cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var version = Convert.ToInt32(await ScalarAsync(connection, null,
            "SELECT nextval(pg_get_serial_sequence('whitening_models', 'version'))", cancellationToken), CultureInfo.InvariantCulture);
        var table = TableName(version);
        // The lock is taken before the row exists, so a 'building' row always has a live lock behind it
        // unless its builder died.
        if (!await TryLockAsync(connection, version, cancellationToken))
        {
            throw new InvalidOperationException($"whitening version {version} is locked by another session; this should not happen for a new version.");
        }
        try
        {
            await ExecuteAsync(connection, null, """
                INSERT INTO whitening_models (version, model_id, beta, gamma, dims, epsilon, mean, projection, eigenvalues,
                                              vector_count, fit_seconds, reduced_table, state)
                VALUES (@version, @model, @beta, @gamma, @dims, @epsilon, @mean, @projection, @eigenvalues,
                        @count, @seconds, @table, 'building')
                """, cancellationToken,
                ("version", version), ("model", model.SourceModelId), ("beta", model.Beta), ("gamma", model.Gamma),
                ("dims", model.Dims), ("epsilon", model.Epsilon), ("mean", model.MeanArray), ("projection", model.ProjectionArray),
                ("eigenvalues", model.EigenvaluesArray), ("count", model.VectorCount), ("seconds", model.FitSeconds), ("table", table));
            _models[version] = model;
            var switched = false;
            try
            {
                var (rows, copyTime, indexTime) = await new ReducedTableBuilder(dataSource, _options).BuildAsync(connection, table, model, cancellationToken);
                var switchTime = TimeSpan.Zero;
                int? retired = null;
                if (activate)
                {
                    var clock = Stopwatch.StartNew();
                    retired = await new WhiteningSwitch(_logger).SwitchAsync(connection, version, model, cancellationToken);
                    switched = true;
                    switchTime = clock.Elapsed;
                }
                else
                {
                    await ExecuteAsync(connection, null, "UPDATE whitening_models SET state = 'ready' WHERE version = @version",
                        cancellationToken, ("version", version));
                    switched = true; // built and kept: a failure from here on must not remove it
                }
                _logger.Built(version, table, rows, model.Dims, copyTime.TotalSeconds, indexTime.TotalSeconds, switchTime.TotalSeconds, activate, retired);
                await DropRetiredTablesQuietlyAsync();
                return new WhiteningBuildResult(version, table, rows, activate, retired, false,
                    TimeSpan.FromSeconds(model.FitSeconds), copyTime, indexTime, switchTime);
            }
            catch (Exception error) when (!switched)
            {
                _logger.BuildFailed(error, version);
                _models.TryRemove(version, out _);
                await CleanUpQuietlyAsync(connection, version, table, $"DELETE FROM whitening_models WHERE version = {version} AND {NotLiveCondition}");
                throw;
            }
        }
        finally
        {
            await UnlockQuietlyAsync(connection, version);
        }
    }

    /// <summary>
    /// Makes a stored version live. A <c>ready</c> version with its table is switched to at once; a
    /// <c>retired</c> one whose table was dropped (or a crashed build) has its table rebuilt first, beside the
    /// active one. A no-op for the version already active.
    /// </summary>
    public async Task<WhiteningBuildResult> ActivateAsync(int version, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var row = await ReadVersionRowAsync(connection, version, cancellationToken)
                ?? throw new InvalidOperationException($"there is no whitening version {version}; `bsi whitening list` shows the stored versions.");
            if (row.IsActive)
            {
                return new WhiteningBuildResult(version, row.Table, 0, true, null, false, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
            }
            var model = await LoadAsync(version, cancellationToken);
            // Checked again in the switch; refusing here saves rebuilding a table that could never go live.
            if (await ScalarAsync(connection, null, "SELECT model_id FROM active_index", cancellationToken) is int activeModel
                && activeModel != model.SourceModelId)
            {
                throw new InvalidOperationException(
                    $"whitening version {version} was fitted on encoder model {model.SourceModelId}, but the active encoder model is {activeModel}; fit a new version for the active model.");
            }
            if (!await TryLockAsync(connection, version, cancellationToken))
            {
                throw new InvalidOperationException($"whitening version {version} is being built by another process; activate it when that has finished.");
            }
            var markedBuilding = false;
            try
            {
                // Read again under the lock: the build that held it may have finished or been abandoned meanwhile.
                row = (await ReadVersionRowAsync(connection, version, cancellationToken))!;
                long rows = 0;
                TimeSpan copyTime = TimeSpan.Zero, indexTime = TimeSpan.Zero;
                var rebuild = row.State == WhiteningState.Building || !row.TableExists;
                if (rebuild)
                {
                    // Rows that are 'building' are skipped by the retired-table clean-up, so nothing drops the table under us.
                    await ExecuteAsync(connection, null, "UPDATE whitening_models SET state = 'building' WHERE version = @version",
                        cancellationToken, ("version", version));
                    markedBuilding = true;
                    await ExecuteAsync(connection, null, $"DROP TABLE IF EXISTS {QuoteTable(row.Table)}", cancellationToken);
                    (rows, copyTime, indexTime) = await new ReducedTableBuilder(dataSource, _options).BuildAsync(connection, row.Table, model, cancellationToken);
                }
                var clock = Stopwatch.StartNew();
                var retired = await new WhiteningSwitch(_logger).SwitchAsync(connection, version, model, cancellationToken);
                markedBuilding = false;
                _logger.Activated(version, rebuild, retired);
                await DropRetiredTablesQuietlyAsync();
                return new WhiteningBuildResult(version, row.Table, rows, true, retired, rebuild, TimeSpan.Zero, copyTime, indexTime, clock.Elapsed);
            }
            catch (WhiteningSwitch.TableMissingException) when (attempt < 2)
            {
                // The retired-table clean-up dropped it between our check and the switch: rebuild.
                continue;
            }
            catch when (markedBuilding)
            {
                await CleanUpQuietlyAsync(connection, version, row.Table,
                    $"UPDATE whitening_models SET state = 'retired', retired_at = now() WHERE version = {version} AND {NotLiveCondition}");
                throw;
            }
            finally
            {
                await UnlockQuietlyAsync(connection, version);
            }
        }
    }

    private sealed record VersionRow(string Table, string State, bool TableExists, bool IsActive);

    private static async Task<VersionRow?> ReadVersionRowAsync(NpgsqlConnection connection, int version, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT w.reduced_table, w.state, to_regclass(w.reduced_table) IS NOT NULL, a.whitening_version IS NOT NULL
            FROM whitening_models w LEFT JOIN active_index a ON a.whitening_version = w.version
            WHERE w.version = @version
            """, connection);
        command.Parameters.AddWithValue("version", version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new VersionRow(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3))
            : null;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, int version, CancellationToken cancellationToken) =>
        (bool)(await ScalarAsync(connection, null, TryLockSql, cancellationToken, ("version", version)))!;

    private async Task UnlockQuietlyAsync(NpgsqlConnection connection, int version)
    {
        try
        {
            await ScalarAsync(connection, null, UnlockSql, CancellationToken.None, ("version", version));
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The lock dies with the session anyway (a broken connection is not returned to the pool).
            _logger.UnlockFailed(e, version);
        }
    }

    // A failed build's row is still 'building' and not live; checked in SQL so that a failure reported after a
    // switch did commit (a lost acknowledgement) can never remove the live version.
    private const string NotLiveCondition = "state = 'building' AND version IS DISTINCT FROM (SELECT whitening_version FROM active_index)";

    /// <summary>Runs <paramref name="markSql"/> (which must match the failed build's row only while it is not live), then drops the table if it did.</summary>
    private async Task CleanUpQuietlyAsync(NpgsqlConnection connection, int version, string table, string markSql)
    {
        try
        {
            if (await ExecuteAsync(connection, null, markSql, CancellationToken.None) > 0)
            {
                await ExecuteAsync(connection, null, $"DROP TABLE IF EXISTS {QuoteTable(table)}", CancellationToken.None);
            }
            else
            {
                _logger.NoLongerFailed(version, table);
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            _logger.CleanUpFailed(e);
        }
    }

    private async Task DropRetiredTablesQuietlyAsync()
    {
        try
        {
            await DropRetiredTablesAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            _logger.DropRetiredFailed(e);
        }
    }
}
