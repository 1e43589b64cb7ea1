using System.Data.Common;
using System.Text;

namespace BlogSemanticIndex.Sources;

/// <summary>
/// <see cref="ITypechoSource"/> over any of the three engines: the SQL is shared, <see cref="SqlDialect"/> covers the
/// differences. The table prefix is validated and quoted; every value is a parameter. Only SELECT statements run.
/// </summary>
public sealed class TypechoSource : ITypechoSource
{
    // Rows the change feed scans: the indexable types and their drafts, so a row turning into a draft is reported.
    private static readonly string[] PostTypes = ["post", "post_draft"];
    private static readonly string[] PageTypes = ["page", "page_draft"];
    private const int MaxIdsPerQuery = 500;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly DbDataSource _dataSource;
    private readonly SqlDialect _dialect;
    private readonly TimeProvider _time;
    private readonly string[] _visibleTypes;
    private readonly string[] _scannedTypes;
    private readonly string _contents;
    private readonly string _metas;
    private readonly string _relationships;
    private readonly string _prefix;

    /// <param name="dataSource">Owned: disposed with this source.</param>
    /// <param name="options">Must pass <see cref="BlogSourceOptions.Validate"/>; the provider must match <paramref name="dataSource"/>.</param>
    public TypechoSource(DbDataSource dataSource, BlogSourceOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        if (!BlogSourceOptions.IsValidTablePrefix(options.TablePrefix))
        {
            throw new ArgumentException(
                $"{BlogSourceOptions.SectionName}:TablePrefix '{options.TablePrefix}' is not allowed: use letters, digits or underscores.",
                nameof(options));
        }
        _dataSource = dataSource;
        _time = timeProvider ?? TimeProvider.System;
        Name = options.Name;
        Provider = options.ResolveProvider();
        _dialect = new SqlDialect(Provider);
        _prefix = options.TablePrefix;
        _visibleTypes = options.IncludePages ? ["post", "page"] : ["post"];
        _scannedTypes = options.IncludePages ? [.. PostTypes, .. PageTypes] : PostTypes;
        _contents = _dialect.Quote(_prefix + "contents");
        _metas = _dialect.Quote(_prefix + "metas");
        _relationships = _dialect.Quote(_prefix + "relationships");
    }

    public string Name { get; }

    public BlogProvider Provider { get; }

    public async Task VerifyAccessAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var (table, column) in new[] { ("contents", "cid"), ("metas", "mid"), ("relationships", "cid") })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Q(column)} FROM {_dialect.Quote(_prefix + table)} WHERE 1 = 0";
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            }
            catch (DbException e)
            {
                throw new InvalidOperationException(
                    $"blog '{Name}': cannot read table {_prefix}{table}: {e.Message}. Check {BlogSourceOptions.SectionName}:TablePrefix " +
                    $"and grant the reader SELECT on {_prefix}contents, {_prefix}metas and {_prefix}relationships.", e);
            }
        }
    }

    public async Task<ChangedPostsPage> ReadChangesAsync(SourceWatermark after, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var events = new List<(long Cid, long Time, bool Visible)>(Math.Min(pageSize + 1, 4096));

        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            var modified = $"COALESCE(c.{Q("modified")}, 0)";
            var created = $"COALESCE(c.{Q("created")}, 0)";
            // A row has an event at `modified`, and a second one at `created` when that is later (a scheduled post
            // turns visible then). The CASE picks the row's first event after the watermark.
            command.CommandText =
                $"""
                SELECT e.cid, e.ev, e.vis FROM (
                  SELECT c.{Q("cid")} AS cid,
                    CASE
                      WHEN {modified} > @after_time OR ({modified} = @after_time AND c.{Q("cid")} > @after_cid) THEN {modified}
                      WHEN {created} > {modified} AND ({created} > @after_time OR ({created} = @after_time AND c.{Q("cid")} > @after_cid)) THEN {created}
                    END AS ev,
                    CASE WHEN {VisiblePredicate(command)} THEN 1 ELSE 0 END AS vis
                  FROM {_contents} c
                  WHERE c.{Q("type")} IN ({AddParameters(command, "scan_type", _scannedTypes)})
                ) e
                WHERE e.ev IS NOT NULL AND e.ev < @now
                ORDER BY e.ev, e.cid
                LIMIT @limit
                """;
            AddParameter(command, "after_time", after.Time);
            AddParameter(command, "after_cid", after.Cid);
            AddParameter(command, "now", now);
            AddParameter(command, "limit", pageSize + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add((ToInt64(reader.GetValue(0)), ToInt64(reader.GetValue(1)), ToInt64(reader.GetValue(2)) == 1));
            }
        }

        var hasMore = events.Count > pageSize;
        if (hasMore)
        {
            events.RemoveAt(events.Count - 1);
        }
        if (events.Count == 0)
        {
            return new ChangedPostsPage([], [], after, HasMore: false);
        }

        var visibleCids = events.Where(e => e.Visible).Select(e => e.Cid).Distinct().ToList();
        // Read again with the visibility filter: a post hidden since the first query is then reported as not visible.
        var posts = (await ReadPostsAsync(visibleCids, now, cancellationToken)).ToDictionary(p => p.Cid);
        var visible = new List<TypechoPost>(posts.Count);
        var notVisible = new List<long>();
        var seen = new HashSet<long>();
        foreach (var (cid, _, _) in events)
        {
            if (!seen.Add(cid))
            {
                continue;
            }
            if (posts.TryGetValue(cid, out var post))
            {
                visible.Add(post);
            }
            else
            {
                notVisible.Add(cid);
            }
        }
        var last = events[^1];
        return new ChangedPostsPage(visible, notVisible, new SourceWatermark(last.Time, last.Cid), hasMore);
    }

    public async Task<IReadOnlyList<VisiblePostStamp>> ReadVisibleStampsAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var stamps = new List<VisiblePostStamp>();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT c.{Q("cid")}, COALESCE(c.{Q("modified")}, 0) FROM {_contents} c WHERE {VisiblePredicate(command)} ORDER BY c.{Q("cid")}";
        AddParameter(command, "now", now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stamps.Add(new VisiblePostStamp(ToInt64(reader.GetValue(0)), FromUnix(ToInt64(reader.GetValue(1)))));
        }
        return stamps;
    }

    public Task<IReadOnlyList<TypechoPost>> ReadPostsAsync(IReadOnlyCollection<long> cids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cids);
        return ReadPostsAsync(cids, _time.GetUtcNow().ToUnixTimeSeconds(), cancellationToken);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private async Task<IReadOnlyList<TypechoPost>> ReadPostsAsync(IReadOnlyCollection<long> cids, long now, CancellationToken cancellationToken)
    {
        var result = new List<TypechoPost>(cids.Count);
        if (cids.Count == 0)
        {
            return result;
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var batch in cids.Distinct().Order().Chunk(MaxIdsPerQuery))
        {
            var rows = new List<PostRow>(batch.Length);
            await using (var command = connection.CreateCommand())
            {
                command.CommandText =
                    $"""
                    SELECT c.{Q("cid")}, c.{Q("type")}, {Bytes("title")}, {Bytes("slug")}, {Bytes("text")},
                      COALESCE(c.{Q("created")}, 0), COALESCE(c.{Q("modified")}, 0), COALESCE(c.{Q("authorId")}, 0)
                    FROM {_contents} c
                    WHERE {VisiblePredicate(command)} AND c.{Q("cid")} IN ({AddParameters(command, "cid", batch)})
                    ORDER BY c.{Q("cid")}
                    """;
                AddParameter(command, "now", now);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var problems = new List<string>();
                    rows.Add(new PostRow(
                        ToInt64(reader.GetValue(0)),
                        reader.GetString(1),
                        Decode(reader, 2, "title", problems),
                        Decode(reader, 3, "slug", problems),
                        Decode(reader, 4, "text", problems),
                        ToInt64(reader.GetValue(5)),
                        ToInt64(reader.GetValue(6)),
                        ToInt64(reader.GetValue(7)),
                        problems));
                }
            }
            if (rows.Count == 0)
            {
                continue;
            }

            var categories = new Dictionary<long, List<string>>();
            var tags = new Dictionary<long, List<string>>();
            await using (var command = connection.CreateCommand())
            {
                command.CommandText =
                    $"""
                    SELECT r.{Q("cid")}, m.{Q("type")}, {_dialect.Utf8Bytes($"m.{Q("name")}")}
                    FROM {_relationships} r JOIN {_metas} m ON m.{Q("mid")} = r.{Q("mid")}
                    WHERE m.{Q("type")} IN ('category', 'tag') AND r.{Q("cid")} IN ({AddParameters(command, "cid", rows.Select(r => r.Cid))})
                    ORDER BY r.{Q("cid")}, m.{Q("type")}, COALESCE(m.{Q("order")}, 0), m.{Q("mid")}
                    """;
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var cid = ToInt64(reader.GetValue(0));
                    var target = reader.GetString(1) == "category" ? categories : tags;
                    var name = Decode(reader, 2, "meta name", problems: null);
                    if (name.Length == 0)
                    {
                        continue;
                    }
                    if (!target.TryGetValue(cid, out var names))
                    {
                        target[cid] = names = [];
                    }
                    names.Add(name);
                }
            }

            foreach (var row in rows)
            {
                result.Add(new TypechoPost(
                    row.Cid,
                    row.Type,
                    row.Title,
                    row.Slug,
                    row.Text,
                    FromUnix(row.Created),
                    FromUnix(row.Modified),
                    row.AuthorId,
                    categories.GetValueOrDefault(row.Cid) ?? (IReadOnlyList<string>)[],
                    tags.GetValueOrDefault(row.Cid) ?? (IReadOnlyList<string>)[],
                    row.Problems.Count == 0 ? null : $"invalid UTF-8 in {string.Join(", ", row.Problems)}; replaced by U+FFFD"));
            }
        }
        return result;
    }

    /// <summary>What a visitor sees (Typecho's Widget\Archive): published, no password, not scheduled for later.</summary>
    private string VisiblePredicate(DbCommand command) =>
        $"c.{Q("type")} IN ({AddParameters(command, "visible_type", _visibleTypes)}) AND c.{Q("status")} = 'publish'" +
        $" AND (c.{Q("password")} IS NULL OR c.{Q("password")} = '') AND COALESCE(c.{Q("created")}, 0) <= @now";

    private string Q(string identifier) => _dialect.Quote(identifier);

    private string Bytes(string column) => _dialect.Utf8Bytes($"c.{Q(column)}");

    private static string Decode(DbDataReader reader, int ordinal, string field, List<string>? problems)
    {
        if (reader.IsDBNull(ordinal))
        {
            return "";
        }
        var bytes = (byte[])reader.GetValue(ordinal);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            problems?.Add(field);
            return LenientUtf8.GetString(bytes);
        }
    }

    private static string AddParameters<T>(DbCommand command, string prefix, IEnumerable<T> values)
    {
        // Parameter names must be unique per command; the predicate can be spliced in once per command only.
        var names = new List<string>();
        var index = 0;
        foreach (var value in values)
        {
            var name = $"{prefix}_{index++}";
            AddParameter(command, name, value!);
            names.Add("@" + name);
        }
        return string.Join(", ", names);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static long ToInt64(object value) => value is DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset FromUnix(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    private sealed record PostRow(
        long Cid, string Type, string Title, string Slug, string Text, long Created, long Modified, long AuthorId, List<string> Problems);
}
