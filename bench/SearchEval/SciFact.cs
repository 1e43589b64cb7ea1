using System.Text;

namespace SearchEval;

/// <summary>A SciFact abstract as a blog post, and a claim with its relevant abstracts.</summary>
internal sealed record SciFactDocument(long DocId, string Title, string Abstract);

internal sealed record SciFactQuery(string Id, string Text, HashSet<long> Relevant);

internal static class SciFact
{
    /// <summary>corpus_train.csv: doc_id, title, abstract (a Python/numpy list repr of sentences), structured.</summary>
    public static List<SciFactDocument> ReadCorpus(string path)
    {
        var rows = Csv.Read(path);
        var header = rows[0];
        int id = header.IndexOf("doc_id"), title = header.IndexOf("title"), text = header.IndexOf("abstract");
        return rows.Skip(1).Select(r => new SciFactDocument(long.Parse(r[id]), r[title], string.Join(" ", ParseSentenceList(r[text])))).ToList();
    }

    /// <summary>claims_train.csv: claims with an evidence_doc_id; rows sharing a claim id add relevant documents.</summary>
    public static List<SciFactQuery> ReadClaims(string path)
    {
        var rows = Csv.Read(path);
        var header = rows[0];
        int id = header.IndexOf("id"), claim = header.IndexOf("claim"), evidence = header.IndexOf("evidence_doc_id");
        var queries = new Dictionary<string, SciFactQuery>();
        foreach (var row in rows.Skip(1))
        {
            if (string.IsNullOrWhiteSpace(row[evidence]))
            {
                continue;
            }
            if (!queries.TryGetValue(row[id], out var query))
            {
                queries[row[id]] = query = new SciFactQuery(row[id], row[claim], []);
            }
            query.Relevant.Add(long.Parse(row[evidence]));
        }
        return [.. queries.Values];
    }

    /// <summary>Parses <c>['a' "b's" 'c']</c> (numpy's repr: quoted strings separated by whitespace or commas).</summary>
    internal static List<string> ParseSentenceList(string text)
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

/// <summary>RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines.</summary>
internal static class Csv
{
    public static List<List<string>> Read(string path)
    {
        var text = File.ReadAllText(path);
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
            }
            else
            {
                field.Append(c);
            }
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }
        return rows;
    }
}
