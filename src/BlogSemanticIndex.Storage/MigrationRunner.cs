using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace BlogSemanticIndex.Storage;

/// <summary>A numbered SQL file such as <c>V001__init.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string FileName, string Sql, string Checksum);

/// <summary>A migration that was applied and recorded.</summary>
public sealed record AppliedMigration(int Version, string Name, string Checksum, DateTimeOffset AppliedAt);

public sealed class MigrationException(string message) : Exception(message);

/// <summary>
/// Applies the numbered SQL files in order, each in its own transaction, and records each with a
/// SHA-256 checksum in <c>schema_migrations</c>. An applied file whose text changed is refused:
/// the database would no longer match what the files say.
/// </summary>
/// <remarks>
/// Hand-written rather than DbUp (which records names, not checksums) or Evolve (which rewrites
/// search_path to its own schema list, hiding pgvector's types in public from per-schema indexes).
/// Concurrent service instances serialise on a PostgreSQL advisory lock.
/// </remarks>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, string migrationsPath)
{
    // Any fixed number: it names this lock among the database's advisory locks.
    private const long AdvisoryLockKey = 0x6273695f6d6967; // "bsi_mig"

    [GeneratedRegex(@"^V(?<version>\d+)__(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileNamePattern();

    public IReadOnlyList<Migration> ReadMigrations()
    {
        if (!Directory.Exists(migrationsPath))
        {
            throw new MigrationException($"migrations folder not found: {migrationsPath}");
        }
        var migrations = new List<Migration>();
        foreach (var path in Directory.EnumerateFiles(migrationsPath, "*.sql"))
        {
            var fileName = Path.GetFileName(path);
            var match = FileNamePattern().Match(fileName);
            if (!match.Success)
            {
                throw new MigrationException($"migration file {fileName} is not named V<number>__<name>.sql");
            }
            // Line endings are normalised so a checkout with CRLF does not look like an edit.
            var sql = File.ReadAllText(path).Replace("\r\n", "\n");
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            migrations.Add(new Migration(int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value, fileName, sql, checksum));
        }
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MigrationException($"two migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.FileName))}");
        }
        return migrations.OrderBy(m => m.Version).ToList();
    }

    /// <summary>Applies what is pending; returns the migrations applied by this call (empty when up to date).</summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrations = ReadMigrations();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     int PRIMARY KEY,
                    name        text NOT NULL,
                    checksum    text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now(),
                    duration_ms int NOT NULL
                )
                """, cancellationToken);
            var applied = (await ReadAppliedAsync(connection, cancellationToken)).ToDictionary(a => a.Version);
            Validate(migrations, applied);

            var newlyApplied = new List<Migration>();
            foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                try
                {
                    // No command timeout: converting a large table (rebuilding its HNSW graph) takes minutes, and a
                    // migration is all or nothing in its transaction anyway.
                    await using var command = new NpgsqlCommand(migration.Sql, connection, transaction) { CommandTimeout = 0 };
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException e)
                {
                    throw new MigrationException($"migration {migration.FileName} failed: {e.MessageText} ({e.SqlState}); nothing of it was applied");
                }
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES (@v, @n, @c, @d)",
                    cancellationToken, ("v", migration.Version), ("n", migration.Name), ("c", migration.Checksum),
                    ("d", (int)started.ElapsedMilliseconds));
                await transaction.CommitAsync(cancellationToken);
                newlyApplied.Add(migration);
            }
            if (newlyApplied.Count > 0)
            {
                // The data source read the server's types when it first connected, before a migration could create
                // some (V001's vector, where the role may create the extension: a fresh pgvector container): without
                // a reload every vector write fails with "cannot resolve 'vector'" until the process restarts.
                await dataSource.ReloadTypesAsync(cancellationToken);
            }
            return newlyApplied;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    /// <summary>The recorded migrations, or an empty list when the schema was never migrated.</summary>
    public async Task<IReadOnlyList<AppliedMigration>> ReadAppliedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadAppliedAsync(connection, cancellationToken);
    }

    private static async Task<IReadOnlyList<AppliedMigration>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
        {
            return [];
        }
        await using var command = new NpgsqlCommand("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new List<AppliedMigration>();
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(new AppliedMigration(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return applied;
    }

    private static void Validate(IReadOnlyList<Migration> migrations, IReadOnlyDictionary<int, AppliedMigration> applied)
    {
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Version, out var record) && record.Checksum != migration.Checksum)
            {
                throw new MigrationException(
                    $"migration {migration.FileName} was edited after it was applied on {record.AppliedAt:u} " +
                    $"(recorded checksum {record.Checksum[..12]}…, file now {migration.Checksum[..12]}…); " +
                    "restore the file and put the change in a new migration");
            }
        }
        var missing = applied.Keys.Except(migrations.Select(m => m.Version)).Order().ToList();
        if (missing.Count > 0)
        {
            throw new MigrationException(
                $"the database has migrations this build does not know (versions {string.Join(", ", missing)}); run a newer bsi");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
