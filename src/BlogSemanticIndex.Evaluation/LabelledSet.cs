using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BlogSemanticIndex.Evaluation;

/// <summary>A query and the posts (Typecho cids) a good search returns for it.</summary>
public sealed record LabelledQuery(string Query, IReadOnlySet<long> Relevant, string? Id = null);

/// <summary>
/// The labelled-set format: JSON Lines, UTF-8, one query per line:
/// <c>{"id": "q1", "query": "why is my query slow", "relevant": [12, 40]}</c> (<c>id</c> optional).
/// Blank lines and lines starting with <c>#</c> are ignored, so a set can carry comments.
/// </summary>
/// <remarks>
/// JSON Lines rather than TREC qrels: one self-contained line per query is easy to write by hand, diff and
/// append to, and needs no second file for the query texts.
/// </remarks>
public static class LabelledSet
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record Line(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("query")] string? Query,
        [property: JsonPropertyName("relevant")] long[]? Relevant);

    /// <exception cref="FormatException">A line is not a query with at least one relevant cid; names the line.</exception>
    public static IReadOnlyList<LabelledQuery> Read(string path)
    {
        var queries = new List<LabelledQuery>();
        var number = 0;
        foreach (var text in File.ReadLines(path, Encoding.UTF8))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text) || text.TrimStart().StartsWith('#'))
            {
                continue;
            }
            Line? line;
            try
            {
                line = JsonSerializer.Deserialize<Line>(text, Json);
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{number}: not a JSON object ({e.Message})", e);
            }
            if (string.IsNullOrWhiteSpace(line?.Query))
            {
                throw new FormatException($"{path}:{number}: \"query\" is missing or empty");
            }
            if (line.Relevant is not { Length: > 0 })
            {
                throw new FormatException($"{path}:{number}: \"relevant\" must list at least one post id (cid)");
            }
            queries.Add(new LabelledQuery(line.Query, line.Relevant.ToHashSet(), line.Id));
        }
        if (queries.Count == 0)
        {
            throw new FormatException($"{path}: no labelled queries");
        }
        return queries;
    }

    public static void Write(string path, IEnumerable<LabelledQuery> queries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        foreach (var query in queries)
        {
            writer.Write(JsonSerializer.Serialize(new Line(query.Id, query.Query, [.. query.Relevant.Order()]), Json));
            writer.Write('\n');
        }
    }
}
