using Microsoft.Data.Sqlite;

namespace SoakBench;

/// <summary>
/// Changes the SQLite Typecho blog as its owner does, one round a second: a post created, one edited, one hidden
/// (private, password, draft or scheduled, in turn) or deleted; and once, the whole file replaced by a copy in which
/// some posts are hidden (a restore, or a tool that writes a new file and renames it over the old). Every change is
/// recorded in the <see cref="Ledger"/> once committed.
/// </summary>
internal sealed class BlogChanges
{
    private static readonly string[] HideKinds = ["private", "password", "draft", "scheduled"];
    private readonly string _path;
    private readonly Ledger _ledger;
    private readonly Random _random = new(15);
    private readonly Lock _lock = new();
    private readonly string[] _bodies;
    private readonly long _firstCid;
    private long _nextCid;
    private int _round;

    public BlogChanges(string path, Ledger ledger)
    {
        _path = path;
        _ledger = ledger;
        using var connection = Open();
        _firstCid = _nextCid = (long)Scalar(connection, "SELECT max(cid) FROM typecho_contents")! + 1;
        // New posts reuse the demo's bodies, so they read like the rest of the blog; their token makes each one findable.
        _bodies = [.. Query(connection, "SELECT text FROM typecho_contents WHERE status = 'publish' AND password IS NULL", r => r.GetString(0))];
        var start = DateTimeOffset.UtcNow;
        foreach (var cid in Query(connection, """
            SELECT cid FROM typecho_contents
            WHERE type <> 'post' OR status <> 'publish' OR password IS NOT NULL OR created > strftime('%s', 'now')
            """, r => r.GetInt64(0)))
        {
            ledger.Add(new TrackedPost(cid, "", start) { GoneAt = start, GoneHow = "hidden in the demo blog" });
        }
    }

    public int Created { get; private set; }
    public int Edited { get; private set; }
    public int Hidden { get; private set; }
    public int Deleted { get; private set; }

    /// <summary>One second's changes.</summary>
    public void Round()
    {
        lock (_lock)
        {
            using var connection = Open();
            Create(connection);
            if (Visible().OrderBy(_ => _random.Next()).FirstOrDefault() is { } edited)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                Execute(connection, "UPDATE typecho_contents SET text = text || $more, modified = $now WHERE cid = $cid",
                    ("$more", $"\n\nEdited in round {_round}."), ("$now", now), ("$cid", edited.Cid));
                Edited++;
            }
            // Older posts go, so most have been indexed (and a removal is something the index must notice).
            if (Visible().Where(p => p.FirstSeenAt is not null).OrderBy(_ => _random.Next()).FirstOrDefault() is { } gone)
            {
                if (_round % 2 == 0)
                {
                    Hide(connection, gone.Cid, HideKinds[_round / 2 % HideKinds.Length]);
                    MarkGone(gone, $"hidden ({HideKinds[_round / 2 % HideKinds.Length]})");
                    Hidden++;
                }
                else
                {
                    Execute(connection, "DELETE FROM typecho_relationships WHERE cid = $cid; DELETE FROM typecho_contents WHERE cid = $cid", ("$cid", gone.Cid));
                    MarkGone(gone, "deleted");
                    Deleted++;
                }
            }
            _round++;
        }
    }

    /// <summary>Writes a copy of the blog with <paramref name="hide"/> visible posts made private and renames it over the file.</summary>
    public int ReplaceFile(int hide)
    {
        lock (_lock)
        {
            var copy = _path + ".replacement";
            using (var source = Open())
            using (var target = new SqliteConnection(ConnectionString(copy)))
            {
                source.BackupDatabase(target);
            }
            var hidden = Visible().Where(p => p.FirstSeenAt is not null).OrderBy(_ => _random.Next()).Take(hide).ToList();
            using (var target = new SqliteConnection(ConnectionString(copy)))
            {
                target.Open();
                // Right after the outage few of the bench's posts have been found yet; the demo's own (indexed before
                // the run) make up the number.
                hidden.AddRange(Query(target,
                    "SELECT cid FROM typecho_contents WHERE cid < $first AND type = 'post' AND status = 'publish' AND password IS NULL " +
                    "AND created <= strftime('%s', 'now') ORDER BY random() LIMIT $n",
                    r => new TrackedPost(r.GetInt64(0), "", DateTimeOffset.UtcNow), ("$first", _firstCid), ("$n", hide - hidden.Count)));
                foreach (var post in hidden)
                {
                    Hide(target, post.Cid, "private");
                    _ledger.Add(post);
                }
            }
            SqliteConnection.ClearAllPools();
            File.Move(copy, _path, overwrite: true);
            foreach (var post in hidden)
            {
                MarkGone(post, "private in the replaced file");
            }
            return hidden.Count;
        }
    }

    private void Create(SqliteConnection connection)
    {
        var cid = _nextCid++;
        var token = Token(cid);
        var now = DateTimeOffset.UtcNow;
        Execute(connection, """
            INSERT INTO typecho_contents (cid, title, slug, created, modified, text, authorId, type, status, allowComment, allowPing, allowFeed)
            VALUES ($cid, $title, $slug, $now, $now, $text, 1, 'post', 'publish', '1', '1', '1')
            """,
            ("$cid", cid), ("$title", $"Soak post {token}"), ("$slug", $"soak-{cid}"), ("$now", now.ToUnixTimeSeconds()),
            ("$text", $"{_bodies[_random.Next(_bodies.Length)]}\n\nThis post's marker is {token}."));
        _ledger.Add(new TrackedPost(cid, token, now));
        Created++;
    }

    private static void Hide(SqliteConnection connection, long cid, string how)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var sql = how switch
        {
            "private" => "UPDATE typecho_contents SET status = 'private', modified = $now WHERE cid = $cid",
            "password" => "UPDATE typecho_contents SET password = 'secret', modified = $now WHERE cid = $cid",
            "draft" => "UPDATE typecho_contents SET type = 'post_draft', modified = $now WHERE cid = $cid",
            _ => "UPDATE typecho_contents SET created = $now + 30 * 86400, modified = $now WHERE cid = $cid",
        };
        Execute(connection, sql, ("$now", now), ("$cid", cid));
    }

    private static void MarkGone(TrackedPost post, string how)
    {
        lock (post)
        {
            post.GoneAt = DateTimeOffset.UtcNow;
            post.GoneHow = how;
        }
    }

    private IEnumerable<TrackedPost> Visible() => _ledger.Posts.Where(p => p.Token.Length > 0 && p.GoneAt is null);

    /// <summary>"soak" and the cid in letters: one analysed term, found in this post only.</summary>
    private static string Token(long cid)
    {
        var letters = "";
        for (var n = cid; n > 0; n /= 26)
        {
            letters = (char)('a' + n % 26) + letters;
        }
        return "soakq" + letters;
    }

    // Pooling off: after the file is replaced, every change must open the new file.
    private static string ConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ConnectionString;

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString(_path));
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<T> Query<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
