using Npgsql;

namespace BlogSemanticIndex.Storage;

/// <summary>What <c>bsi status</c> and <c>/admin/status</c> report about the index.</summary>
public sealed record IndexStatus(
    int SchemaVersion,
    int PendingMigrations,
    long Posts,
    long Chunks,
    long Embeddings,
    string? ActiveModel,
    int? ActiveWhiteningVersion,
    DateTimeOffset? LastPollAt,
    DateTimeOffset? LastSuccessAt,
    string? LastError,
    long SkippedPosts);

public sealed class IndexStatusReader(NpgsqlDataSource dataSource, MigrationRunner migrations)
{
    public async Task<IndexStatus> ReadAsync(CancellationToken cancellationToken = default)
    {
        var applied = await migrations.ReadAppliedAsync(cancellationToken);
        var known = migrations.ReadMigrations();
        var schemaVersion = applied.Count == 0 ? 0 : applied.Max(a => a.Version);
        var pending = known.Count(m => applied.All(a => a.Version != m.Version));
        if (schemaVersion == 0)
        {
            return new IndexStatus(0, pending, 0, 0, 0, null, null, null, null, null, 0);
        }

        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM posts),
                   (SELECT count(*) FROM chunks),
                   (SELECT count(*) FROM chunk_embeddings),
                   (SELECT m.name || '@' || m.revision FROM active_index a JOIN encoder_models m ON m.id = a.model_id),
                   (SELECT whitening_version FROM active_index),
                   (SELECT max(last_poll_at) FROM index_state),
                   (SELECT max(last_success_at) FROM index_state),
                   (SELECT string_agg(source || ': ' || last_error, '; ') FROM index_state WHERE last_error IS NOT NULL),
                   (SELECT count(*) FROM skipped_posts)
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new IndexStatus(
            schemaVersion, pending,
            reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.GetInt64(8));
    }
}
