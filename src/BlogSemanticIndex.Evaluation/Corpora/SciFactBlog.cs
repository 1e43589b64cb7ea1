using System.Text;
using BlogSemanticIndex.Demo;
using Microsoft.Data.Sqlite;

namespace BlogSemanticIndex.Evaluation.Corpora;

/// <summary>A SciFact abstract: its id (the post's cid), title and text (sentences joined by spaces).</summary>
public sealed record SciFactDocument(long DocId, string Title, string Abstract);

/// <summary>What <see cref="SciFactBlog.Create"/> wrote: the blog and its labelled claims.</summary>
public sealed record SciFactBlogSummary(string Path, int Posts, IReadOnlyList<LabelledQuery> Queries);

/// <summary>
/// SciFact (a real retrieval set: 5,183 scientific abstracts and claims citing them) as a Typecho blog, so the whole
/// product — indexer, chunker, whitening, search — is measured on it: each abstract a published post (title + abstract,
/// cid = the abstract's doc_id), each claim with evidence a labelled query whose relevant posts are its evidence docs.
/// </summary>
public static class SciFactBlog
{
    /// <param name="dataFolder">The folder with <c>corpus_train.csv</c> and <c>claims_train.csv</c>.</param>
    /// <param name="path">The SQLite database to write (replaced when it exists).</param>
    public static SciFactBlogSummary Create(string dataFolder, string path)
    {
        var documents = ReadCorpus(System.IO.Path.Combine(dataFolder, "corpus_train.csv"));
        var queries = ReadClaims(System.IO.Path.Combine(dataFolder, "claims_train.csv"));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        File.Delete(path);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        TypechoSqliteSchema.Create(connection);
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO typecho_contents (cid, title, slug, created, modified, text, authorId, type, status, allowComment, allowPing, allowFeed)
            VALUES ($cid, $title, $slug, $created, $created, $text, 1, 'post', 'publish', '1', '1', '1')
            """;
        var (cid, title, slug, created, text) = (insert.Parameters.Add("$cid", SqliteType.Integer), insert.Parameters.Add("$title", SqliteType.Text),
            insert.Parameters.Add("$slug", SqliteType.Text), insert.Parameters.Add("$created", SqliteType.Integer), insert.Parameters.Add("$text", SqliteType.Text));
        // One post an hour from 2020 on: all in the past, in the corpus's order.
        var epoch = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        for (var i = 0; i < documents.Count; i++)
        {
            cid.Value = documents[i].DocId;
            // Typecho's columns are varchar(150); a longer title is cut as Typecho's editor would refuse it.
            title.Value = documents[i].Title.Length > 150 ? documents[i].Title[..150] : documents[i].Title;
            slug.Value = $"scifact-{documents[i].DocId}";
            created.Value = epoch + 3600L * i;
            text.Value = documents[i].Abstract;
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
        return new SciFactBlogSummary(System.IO.Path.GetFullPath(path), documents.Count, queries);
    }

    /// <summary><c>corpus_train.csv</c>: doc_id, title, abstract (a Python list of sentences), structured.</summary>
    public static List<SciFactDocument> ReadCorpus(string path)
    {
        var rows = Csv.Read(path);
        var header = rows[0];
        int id = Column(header, "doc_id", path), title = Column(header, "title", path), text = Column(header, "abstract", path);
        return [.. rows.Skip(1).Select(r => new SciFactDocument(long.Parse(r[id], System.Globalization.CultureInfo.InvariantCulture), r[title],
            string.Join(" ", ParseSentenceList(r[text]))))];
    }

    /// <summary>
    /// <c>claims_train.csv</c>: the claims with an <c>evidence_doc_id</c>; rows sharing a claim id add relevant documents.
    /// </summary>
    public static List<LabelledQuery> ReadClaims(string path)
    {
        var rows = Csv.Read(path);
        var header = rows[0];
        int id = Column(header, "id", path), claim = Column(header, "claim", path), evidence = Column(header, "evidence_doc_id", path);
        var queries = new Dictionary<string, (string Text, HashSet<long> Relevant)>();
        foreach (var row in rows.Skip(1).Where(r => !string.IsNullOrWhiteSpace(r[evidence])))
        {
            if (!queries.TryGetValue(row[id], out var query))
            {
                queries[row[id]] = query = (row[claim], []);
            }
            query.Relevant.Add(long.Parse(row[evidence], System.Globalization.CultureInfo.InvariantCulture));
        }
        return [.. queries.Select(q => new LabelledQuery(q.Value.Text, q.Value.Relevant, q.Key))];
    }

    private static int Column(List<string> header, string name, string path) =>
        header.IndexOf(name) is var index and >= 0 ? index : throw new FormatException($"{path}: no column \"{name}\" in the header");

    /// <summary>Parses <c>['a' "b's" 'c']</c>: numpy's repr, quoted strings separated by whitespace or commas.</summary>
    public static List<string> ParseSentenceList(string text)
    {
        var items = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var quote = text[i];
            if (quote is not ('\'' or '"'))
            {
                i++;
                continue;
            }
            var item = new StringBuilder();
            i++;
            while (i < text.Length && text[i] != quote)
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    item.Append(text[i] switch { 'n' => '\n', 't' => '\t', _ => text[i] });
                }
                else
                {
                    item.Append(text[i]);
                }
                i++;
            }
            i++;
            items.Add(item.ToString());
        }
        return items;
    }
}
