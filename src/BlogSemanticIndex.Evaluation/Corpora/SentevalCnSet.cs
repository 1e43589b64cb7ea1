namespace BlogSemanticIndex.Evaluation.Corpora;

/// <summary>A one-sentence post of a sentence-pair set.</summary>
public sealed record SentencePost(long Cid, string Text);

/// <summary>A Chinese retrieval set built from a sentence-pair set: its posts and labelled queries.</summary>
public sealed record SentencePairSet(IReadOnlyList<SentencePost> Posts, IReadOnlyList<LabelledQuery> Queries);

/// <summary>
/// A Chinese known-item retrieval set from the senteval_cn pair sets (LCQMC, BQ, ATEC: <c>sentence1 TAB sentence2 TAB label</c>):
/// every distinct second sentence of the file is a post, and the first sentence of each positive pair (label 1) is a query
/// whose relevant posts are the second sentences it is paired with positively.
/// </summary>
/// <remarks>
/// Real Chinese text written by real users: paraphrased questions, so the known item shares some words with its query
/// but seldom the whole string, and a thousand other posts share a few characters — the situation of a Chinese blog's
/// search box. The negative pairs' second sentences stay in as posts: they were chosen to look like the query.
/// </remarks>
public static class SentevalCnSet
{
    /// <param name="path">A <c>*.data</c> file of the senteval_cn layout.</param>
    /// <param name="maxQueries">The first this many distinct queries, in file order.</param>
    public static SentencePairSet Read(string path, int maxQueries)
    {
        var posts = new Dictionary<string, long>(StringComparer.Ordinal);
        var queries = new Dictionary<string, HashSet<long>>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var fields = line.Split('\t');
            if (fields.Length != 3 || fields[2].Trim() is not ("0" or "1"))
            {
                throw new FormatException($"{path}:{number}: expected sentence1<TAB>sentence2<TAB>0|1");
            }
            var (first, second) = (fields[0].Trim(), fields[1].Trim());
            if (first.Length == 0 || second.Length == 0)
            {
                continue;
            }
            if (!posts.TryGetValue(second, out var cid))
            {
                posts[second] = cid = posts.Count + 1;
            }
            if (fields[2].Trim() == "1" && first != second && (queries.ContainsKey(first) || queries.Count < maxQueries))
            {
                if (!queries.TryGetValue(first, out var relevant))
                {
                    queries[first] = relevant = [];
                }
                relevant.Add(cid);
            }
        }
        return new SentencePairSet([.. posts.Select(p => new SentencePost(p.Value, p.Key))],
            [.. queries.Select((q, i) => new LabelledQuery(q.Key, q.Value, $"q{i + 1}"))]);
    }
}
