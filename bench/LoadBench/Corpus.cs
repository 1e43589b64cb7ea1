using BlogSemanticIndex.Evaluation.Corpora;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LoadBench;

/// <summary>A chunk as the index stores it: its text, where it starts in the post's text, its token count.</summary>
internal sealed record BenchChunk(string Text, int CharStart, int Tokens);

/// <param name="Source">Which source text the post was written from (several passes write each source again).</param>
internal sealed record BenchPost(long Cid, string Title, IReadOnlyList<BenchChunk> Chunks, int Source);

/// <summary>One kind of query in the pool, and how many the pool holds.</summary>
internal sealed record QueryKind(string Name, int Count);

/// <summary>
/// A blog of paragraph-sized chunks cut from real text, and a pool of realistic queries over it.
/// </summary>
/// <remarks>
/// Real sentences rather than a word generator, because both legs depend on the text's statistics: BM25's
/// cost grows with the posting lists of the query's terms (a generator's small vocabulary puts every term
/// in nearly every post), and HNSW's recall and speed depend on how the vectors spread. The sources are
/// the evaluation sets in ../shared/data: SciFact's abstracts (one post each, English), STS-B's English
/// sentences and the Chinese sentence-pair sets (blocks of 16 consecutive sentences as a post). A post's
/// sentences are cut, in order, into chunks of 40–80 tokens. Past the first pass over the sources a
/// source is written again with its sentences in another order and other chunk sizes (a new post on the
/// same subject), until the wanted number of chunks is reached; no chunk text occurs twice.
/// Queries: SciFact's claims, held-out paraphrases (the second sentence of each positive pair, kept out of
/// the corpus, so the corpus holds the first), 2–4-word phrases from titles, and identifiers from the text
/// (IL-6, BRCA1, H1N1).
/// </remarks>
internal sealed partial class Corpus
{
    private const int SentencesPerBlock = 16;
    private const int MinChunkTokens = 40;
    private const int MaxChunkTokens = 80;

    public required IReadOnlyList<BenchPost> Posts { get; init; }

    public required IReadOnlyList<string> Queries { get; init; }

    public required IReadOnlyList<QueryKind> QueryKinds { get; init; }

    /// <summary>The kind each query of the pool was drawn as (the first, where two kinds gave the same text).</summary>
    public required IReadOnlyDictionary<string, string> KindOf { get; init; }

    public int ChunkCount => Posts.Sum(p => p.Chunks.Count);

    private sealed record Source(string Title, IReadOnlyList<string> Sentences, string Separator);

    [GeneratedRegex(@"(?<![\w-])(?=[\w-]*\d)[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![\w-])")]
    private static partial Regex Identifier();

    /// <param name="countTokens">The encoder's token count of a text, without [CLS] and [SEP].</param>
    public static Corpus Build(string dataFolder, int chunkTarget, Func<string, int> countTokens, int seed = 2026)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var heldOutChinese = new List<string>();
        var heldOutEnglish = new List<string>();
        var sources = new List<Source>();

        var sciFact = Csv.Read(Path.Combine(dataFolder, "scifact", "corpus_train.csv"));
        int titleColumn = sciFact[0].IndexOf("title"), abstractColumn = sciFact[0].IndexOf("abstract");
        foreach (var row in sciFact.Skip(1))
        {
            var sentences = SciFactBlog.ParseSentenceList(row[abstractColumn]).Where(s => s.Length > 0 && seen.Add(s)).ToList();
            if (sentences.Count > 0)
            {
                sources.Add(new Source(row[titleColumn].TrimEnd('.'), sentences, " "));
            }
        }
        var sciFactSources = sources.Count;

        var english = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(dataFolder, "stsb"), "stsb-en-*.csv").Order(StringComparer.Ordinal))
        {
            foreach (var row in Csv.Read(file).Where(r => r.Count >= 3))
            {
                AddPair(row[0], row[1], double.Parse(row[2], CultureInfo.InvariantCulture) >= 4, english, heldOutEnglish);
            }
        }
        AddBlocks(english, " ");

        var chinese = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(dataFolder, "senteval_cn"), "*.data", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var scored = file.Contains("STS-B", StringComparison.Ordinal);
            foreach (var line in File.ReadLines(file))
            {
                var fields = line.Split('\t');
                if (fields.Length >= 3 && int.TryParse(fields[2], out var label))
                {
                    AddPair(fields[0], fields[1], scored ? label >= 4 : label == 1, chinese, heldOutChinese);
                }
            }
        }
        AddBlocks(chinese, "");

        var order = Enumerable.Range(0, sources.Count).OrderBy(_ => random.Next()).ToArray();
        var posts = new List<BenchPost>();
        var chunkTexts = new HashSet<string>(StringComparer.Ordinal);
        var chunks = 0;
        for (var pass = 0; chunks < chunkTarget; pass++)
        {
            var before = chunks;
            foreach (var index in order)
            {
                var source = sources[index];
                var sentences = pass == 0 ? source.Sentences : source.Sentences.OrderBy(_ => random.Next()).ToList();
                var post = Write(posts.Count + 1, pass == 0 ? source.Title : $"{source.Title} ({pass + 1})", sentences, source.Separator,
                    countTokens, random, chunkTexts, chunkTarget - chunks) with { Source = index };
                if (post.Chunks.Count > 0)
                {
                    posts.Add(post);
                    chunks += post.Chunks.Count;
                }
                if (chunks >= chunkTarget)
                {
                    break;
                }
            }
            if (chunks == before)
            {
                throw new InvalidOperationException($"the sources in {dataFolder} give only {chunks} distinct chunks; ask for fewer.");
            }
        }

        // The query pool has its own random sequence, so it is the same pool whatever number of chunks was asked for.
        random = new Random(seed + 1);
        var claims = Csv.Read(Path.Combine(dataFolder, "scifact", "claims_train.csv"));
        var claimColumn = claims[0].IndexOf("claim");
        var kinds = new List<(string Name, List<string> Queries)>
        {
            ("SciFact claims (en)", claims.Skip(1).Select(r => r[claimColumn].Trim()).Where(c => c.Length > 0).Distinct().ToList()),
            ("held-out paraphrases (zh)", Sample(heldOutChinese, 6000, random)),
            ("held-out paraphrases (en)", Sample(heldOutEnglish, 1500, random)),
            ("title phrases (en)", Sample(sources.Take(sciFactSources).Select(s => TitlePhrase(s.Title, random)).OfType<string>().Distinct().ToList(), 4000, random)),
            ("identifiers", Sample(sources.Take(sciFactSources).SelectMany(s => s.Sentences)
                .SelectMany(s => Identifier().Matches(s).Select(m => m.Value)).Where(v => v.Length is >= 3 and <= 16).Distinct().ToList(), 1500, random)),
        };
        // What a visitor can send: within the API's length, and without control characters (BQ has a few sentences that
        // begin with a backspace, which the API answers with 400 as it should).
        var queries = kinds.SelectMany(k => k.Queries).Where(q => q.Length <= 512 && !q.Any(char.IsControl)).Distinct().OrderBy(_ => random.Next()).ToList();
        return new Corpus
        {
            Posts = posts,
            Queries = queries,
            QueryKinds = kinds.Select(k => new QueryKind(k.Name, k.Queries.Count)).ToList(),
            KindOf = kinds.SelectMany(k => k.Queries.Select(q => (Query: q, k.Name))).DistinctBy(x => x.Query).ToDictionary(x => x.Query, x => x.Name),
        };

        void AddPair(string first, string second, bool paraphrase, List<string> corpus, List<string> heldOut)
        {
            (first, second) = (first.Trim(), second.Trim());
            if (first.Length > 0 && seen.Add(first))
            {
                corpus.Add(first);
            }
            if (second.Length > 0 && seen.Add(second))
            {
                (paraphrase ? heldOut : corpus).Add(second);
            }
        }

        void AddBlocks(List<string> sentences, string separator)
        {
            foreach (var block in sentences.Chunk(SentencesPerBlock))
            {
                sources.Add(new Source(block[0].Length <= 40 ? block[0] : block[0][..40], block, separator));
            }
        }
    }

    /// <summary>
    /// Cuts sentences, in order, into chunks of a random 40–80 tokens (longer only where one sentence is); chunk texts
    /// already used are left out.
    /// </summary>
    private static BenchPost Write(long cid, string title, IReadOnlyList<string> sentences, string separator, Func<string, int> countTokens,
        Random random, HashSet<string> chunkTexts, int maxChunks)
    {
        var chunks = new List<BenchChunk>();
        var text = new StringBuilder();
        var current = new List<string>();
        var tokens = 0;
        var target = NextTarget();
        foreach (var sentence in sentences)
        {
            var sentenceTokens = countTokens(sentence);
            if (current.Count > 0 && tokens + sentenceTokens > MaxChunkTokens)
            {
                Flush();
            }
            current.Add(sentence);
            tokens += sentenceTokens;
            if (tokens >= target)
            {
                Flush();
            }
        }
        if (current.Count > 0 && tokens >= MinChunkTokens / 2)
        {
            Flush();
        }
        return new BenchPost(cid, title, chunks, -1);

        int NextTarget() => MinChunkTokens + random.Next(MaxChunkTokens - MinChunkTokens + 1);

        void Flush()
        {
            var chunk = string.Join(separator, current);
            if (chunks.Count < maxChunks && chunkTexts.Add(chunk))
            {
                if (text.Length > 0)
                {
                    text.Append("\n\n");
                }
                chunks.Add(new BenchChunk(chunk, text.Length, tokens));
                text.Append(chunk);
            }
            current.Clear();
            tokens = 0;
            target = NextTarget();
        }
    }

    private static string? TitlePhrase(string title, Random random)
    {
        var words = title.Split([' ', ',', ':', ';', '.', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2)
        {
            return null;
        }
        var length = Math.Min(words.Length, 2 + random.Next(3));
        var start = random.Next(words.Length - length + 1);
        return string.Join(' ', words.Skip(start).Take(length));
    }

    private static List<string> Sample(List<string> items, int count, Random random) =>
        items.OrderBy(_ => random.Next()).Take(count).ToList();
}
