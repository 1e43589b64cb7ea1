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
    long SkippedPosts,
    IReadOnlyList<SkippedPostStatus> Skipped,
    double? LagSeconds,
    IReadOnlyList<ScriptShare> Scripts,
    long? Pending = null,
    double? SimilarityFloor = null)
{
    /// <summary>How many of the latest skipped posts <see cref="Skipped"/> lists.</summary>
    public const int SkippedListed = 50;

    /// <summary>
    /// One line per script of the indexed text, largest first: its share of the letters and the encoder's coverage of it,
    /// e.g. "Han: 61% of the text, encoder coverage 0%: …". Below half, the search ranks that text by its keywords.
    /// </summary>
    public IReadOnlyList<string> TextByScript => [.. Scripts.Select(s =>
        $"{s.Script}: {Percent(s.Characters, Scripts.Sum(x => x.Characters))} of the text, encoder coverage {Percent(s.ReadCharacters, s.Characters)}" +
        (s.Coverage < 0.5
            ? " — the encoder cannot read it, so search and related posts use keywords for it; README \"Chinese blogs\" says how to add a model that reads it"
            : ""))];

    private static string Percent(long part, long whole) =>
        (whole == 0 ? 0 : 100.0 * part / whole).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + "%";
}

/// <summary>A skipped post as status reports it: why, and since when.</summary>
public sealed record SkippedPostStatus(long Cid, string Reason, DateTimeOffset SkippedAt);

/// <summary>The indexed text's letters of one script, and how many of them the encoder reads (from <c>chunks.script_chars</c>).</summary>
public sealed record ScriptShare(string Script, long Characters, long ReadCharacters)
{
    public double Coverage => Characters == 0 ? 1 : (double)ReadCharacters / Characters;
}

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
            return new IndexStatus(0, pending, 0, 0, 0, null, null, null, null, null, 0, [], null, []);
        }

        var skipped = await ReadSkippedAsync(cancellationToken);
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM posts),
                   (SELECT count(*) FROM chunks),
                   (SELECT count(*) FROM chunk_embeddings),
                   (SELECT m.name || '@' || m.revision FROM active_index a JOIN encoder_models m ON m.id = a.model_id),
                   (SELECT whitening_version FROM active_index),
                   (SELECT max(last_poll_at) FROM index_state),
                   (SELECT max(last_success_at) FROM index_state),
                   (SELECT string_agg(source || ': ' || last_error, '; ') FROM index_state WHERE last_error IS NOT NULL),
                   (SELECT count(*) FROM skipped_posts),
                   (SELECT extract(epoch FROM now() - max(last_success_at))::float8 FROM index_state)
            """);
        IndexStatus status;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            status = new IndexStatus(
                schemaVersion, pending,
                reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetInt64(8),
                skipped,
                reader.IsDBNull(9) ? null : Math.Round(reader.GetDouble(9), 1),
                []);
        }
        if (schemaVersion >= SemanticFloorVersion)
        {
            await using var floor = dataSource.CreateCommand("""
                SELECT f.similarity FROM active_index a
                JOIN semantic_floors f ON f.model_id = a.model_id AND f.whitening_version = coalesce(a.whitening_version, 0)
                """);
            status = status with { SimilarityFloor = await floor.ExecuteScalarAsync(cancellationToken) as double? };
        }
        return schemaVersion < ScriptCharsVersion ? status : status with { Scripts = await ReadScriptsAsync(cancellationToken) };
    }

    /// <summary>The migration that added <c>semantic_floors</c>.</summary>
    private const int SemanticFloorVersion = 12;

    /// <summary>The migration that added <c>chunks.script_chars</c>.</summary>
    private const int ScriptCharsVersion = 5;

    private async Task<IReadOnlyList<ScriptShare>> ReadScriptsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.key, sum((s.value->>0)::bigint), sum((s.value->>1)::bigint)
            FROM chunks c CROSS JOIN LATERAL jsonb_each(c.script_chars) s
            GROUP BY s.key ORDER BY 2 DESC, 1
            """);
        var scripts = new List<ScriptShare>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            scripts.Add(new ScriptShare(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return scripts;
    }


    private async Task<IReadOnlyList<SkippedPostStatus>> ReadSkippedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT cid, reason, skipped_at FROM skipped_posts ORDER BY skipped_at DESC, cid LIMIT {IndexStatus.SkippedListed}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var skipped = new List<SkippedPostStatus>();
        while (await reader.ReadAsync(cancellationToken))
        {
            skipped.Add(new SkippedPostStatus(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return skipped;
    }
}
