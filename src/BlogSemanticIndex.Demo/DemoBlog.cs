using System.Text;
using Microsoft.Data.Sqlite;

namespace BlogSemanticIndex.Demo;

/// <summary>What <see cref="DemoBlog.Create"/> wrote, and the demo's labelled queries.</summary>
public sealed record DemoBlogSummary(string Path, int Posts, int Visible, int Hidden, IReadOnlyList<DemoQuery> Queries);

/// <summary>A query over the demo blog and the visible posts (cids) that answer it.</summary>
public sealed record DemoQuery(string Query, IReadOnlyList<long> Relevant);

/// <summary>
/// Writes a Typecho SQLite database with realistic posts in English and Chinese, so a fresh machine
/// can show the whole pipeline: Markdown and HTML bodies, <c>&lt;!--more--&gt;</c>, code blocks,
/// categories and tags, and a share of posts a visitor must never find (drafts, private,
/// password-protected, scheduled).
/// </summary>
public static class DemoBlog
{
    public static DemoBlogSummary Create(string path, int postCount = 300, int seed = 2026)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(postCount, 1);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        var random = new Random(seed);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        TypechoSqliteSchema.Create(connection);
        using var transaction = connection.BeginTransaction();

        var metaIds = new Dictionary<(string Type, string Name), long>();
        long Meta(string type, string name)
        {
            if (!metaIds.TryGetValue((type, name), out var mid))
            {
                mid = metaIds.Count + 1;
                Execute(connection, transaction, """INSERT INTO typecho_metas (mid, name, slug, type) VALUES ($mid, $name, $slug, $type)""",
                    ("$mid", mid), ("$name", name), ("$slug", $"{type}-{mid}"), ("$type", type));
                metaIds[(type, name)] = mid;
            }
            return mid;
        }

        var start = new DateTimeOffset(2019, 1, 1, 8, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var hidden = 0;
        var visiblePosts = new List<(long Cid, DemoTopic Topic, string Title, string Text)>();
        for (var cid = 1; cid <= postCount; cid++)
        {
            var topic = DemoTopics.All[random.Next(DemoTopics.All.Length)];
            var title = $"{topic.Titles[random.Next(topic.Titles.Length)]}{(cid > DemoTopics.All.Length * 3 ? $" ({cid})" : "")}";
            var created = start + (long)((now - start) * (double)cid / (postCount + 1)) + random.Next(3600);
            var (status, password) = (cid % 23) switch
            {
                3 => ("draft", (string?)null),
                5 => ("private", null),
                7 => ("publish", "secret"),
                _ => ("publish", null),
            };
            var type = cid % 29 == 11 ? "post_draft" : "post";
            if (cid % 31 == 17)
            {
                created = now + 86_400 * (1 + random.Next(30)); // scheduled: appears when its time comes
            }
            var visible = type == "post" && status == "publish" && password is null && created <= now;
            hidden += visible ? 0 : 1;
            var modified = created + random.Next(86_400);
            var text = Body(topic, random, markdown: cid % 4 != 0);
            if (visible)
            {
                visiblePosts.Add((cid, topic, title, text));
            }

            Execute(connection, transaction, """
                INSERT INTO typecho_contents (cid, title, slug, created, modified, text, authorId, type, status, password, allowComment, allowPing, allowFeed)
                VALUES ($cid, $title, $slug, $created, $modified, $text, 1, $type, $status, $password, '1', '1', '1')
                """,
                ("$cid", cid), ("$title", title), ("$slug", $"post-{cid}"), ("$created", created), ("$modified", modified),
                ("$text", text), ("$type", type), ("$status", status), ("$password", (object?)password ?? DBNull.Value));
            Execute(connection, transaction, "INSERT INTO typecho_relationships (cid, mid) VALUES ($cid, $mid)", ("$cid", cid), ("$mid", Meta("category", topic.Category)));
            foreach (var tag in topic.Tags.Where(_ => random.NextDouble() < 0.8))
            {
                Execute(connection, transaction, "INSERT INTO typecho_relationships (cid, mid) VALUES ($cid, $mid)", ("$cid", cid), ("$mid", Meta("tag", tag)));
            }
        }
        transaction.Commit();
        return new DemoBlogSummary(Path.GetFullPath(path), postCount, postCount - hidden, hidden, LabelQueries(visiblePosts));
    }

    /// <summary>
    /// A topic's first query (its wording is not the posts') is answered by the topic's visible posts; its second (an
    /// exact term) by every visible post whose title or text contains the term, whatever its topic. Hidden posts never.
    /// </summary>
    private static List<DemoQuery> LabelQueries(List<(long Cid, DemoTopic Topic, string Title, string Text)> posts)
    {
        var queries = new List<DemoQuery>();
        foreach (var topic in DemoTopics.All)
        {
            var (paraphrase, term) = (topic.Queries[0], topic.Queries[1]);
            var ofTopic = posts.Where(p => p.Topic == topic).Select(p => p.Cid).ToList();
            var withTerm = posts.Where(p => p.Title.Contains(term, StringComparison.OrdinalIgnoreCase) || p.Text.Contains(term, StringComparison.OrdinalIgnoreCase))
                .Select(p => p.Cid).ToList();
            foreach (var (query, relevant) in new[] { (paraphrase, ofTopic), (term, withTerm) })
            {
                if (relevant.Count > 0)
                {
                    queries.Add(new DemoQuery(query, relevant));
                }
            }
        }
        return queries;
    }

    private static string Body(DemoTopic topic, Random random, bool markdown)
    {
        var paragraphs = topic.Paragraphs.OrderBy(_ => random.Next()).Take(2 + random.Next(topic.Paragraphs.Length - 1)).ToList();
        var body = new StringBuilder();
        if (markdown)
        {
            body.Append("<!--markdown-->").Append(paragraphs[0]).Append("\n\n<!--more-->\n\n");
            foreach (var paragraph in paragraphs.Skip(1))
            {
                body.Append("## ").Append(paragraph.Split([' ', '，', '。'])[0]).Append("\n\n").Append(paragraph).Append("\n\n");
            }
            if (topic.Code is not null && random.NextDouble() < 0.6)
            {
                body.Append("```\n").Append(topic.Code).Append("\n```\n");
            }
        }
        else
        {
            foreach (var paragraph in paragraphs)
            {
                body.Append("<p>").Append(System.Net.WebUtility.HtmlEncode(paragraph)).Append("</p>\n");
            }
            if (topic.Code is not null)
            {
                body.Append("<pre><code>").Append(System.Net.WebUtility.HtmlEncode(topic.Code)).Append("</code></pre>\n");
            }
        }
        return body.ToString();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }
}
