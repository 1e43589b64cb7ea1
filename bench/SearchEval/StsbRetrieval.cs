using System.Globalization;
using BlogSemanticIndex.Evaluation;

/// <summary>A post of the evaluation index: id, title, and the text that is embedded and keyword-indexed.</summary>
internal sealed record EvalDocument(long Id, string Title, string Text);

/// <summary>
/// senteval_cn's Chinese STS-B (sentence1 TAB sentence2 TAB score 0–5) turned into a retrieval set: each distinct second
/// sentence of the train, valid and test files is a post (about 7,000 distractors for one another), each distinct first
/// sentence of a test pair scored 4 or 5 a query, relevant: its second sentences scored 4 or 5.
/// </summary>
internal static class StsbRetrieval
{
    private const int RelevantScore = 4;

    /// <param name="sentevalFolder">The senteval_cn folder (holding <c>STS-B/STS-B.{train,valid,test}.data</c>).</param>
    public static (IReadOnlyList<EvalDocument>, IReadOnlyList<LabelledQuery>) Read(string sentevalFolder)
    {
        var folder = Path.Combine(sentevalFolder, "STS-B");
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var documents = new List<EvalDocument>();
        long Post(string sentence)
        {
            if (!ids.TryGetValue(sentence, out var id))
            {
                ids[sentence] = id = documents.Count + 1;
                documents.Add(new EvalDocument(id, sentence, sentence));
            }
            return id;
        }

        var relevant = new Dictionary<string, HashSet<long>>(StringComparer.Ordinal);
        foreach (var file in new[] { "STS-B.train.data", "STS-B.valid.data", "STS-B.test.data" })
        {
            foreach (var (first, second, score) in ReadPairs(Path.Combine(folder, file)))
            {
                var post = Post(second);
                if (file == "STS-B.test.data" && score >= RelevantScore && first != second)
                {
                    if (!relevant.TryGetValue(first, out var set))
                    {
                        relevant[first] = set = [];
                    }
                    set.Add(post);
                }
            }
        }
        return (documents, [.. relevant.Select(r => new LabelledQuery(r.Key, r.Value))]);
    }

    private static IEnumerable<(string First, string Second, int Score)> ReadPairs(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split('\t');
            if (fields.Length == 3)
            {
                yield return (fields[0].Trim(), fields[1].Trim(), int.Parse(fields[2], CultureInfo.InvariantCulture));
            }
        }
    }
}
