using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using HdrHistogram;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Npgsql;

namespace LoadBench;

/// <summary>One way of ranking the keyword leg, timed one query at a time.</summary>
internal sealed record KeywordLegTiming(string Method, string Kind, int Queries, double MeanMs, double P50Ms, double P99Ms, double PostgresCpuMs);

/// <summary>
/// The keyword leg alone over the load corpus (no vectors needed, so it runs where the corpus has never been
/// encoded): the pruned BM25 top k in PostgreSQL against summing every posting list, and Lucene.NET's BM25 over
/// the same post texts with the same analyzer and parameters as the reference engine. Every method answers
/// every query in turn, so the machine's noise falls on all alike.
/// </summary>
internal static class KeywordLeg
{
    private const int PostsPerBatch = 500;

    /// <summary>Posts, chunks and keyword statistics through the product's writers; a 1-d stand-in vector per chunk.</summary>
    public static async Task LoadAsync(NpgsqlDataSource dataSource, Corpus corpus)
    {
        var writer = new BlogSemanticIndex.Storage.IndexWriter(dataSource);
        var keywordWriter = new KeywordIndexWriter();
        var model = await writer.RegisterModelAsync("keyword-only-stand-in", "1", 1);
        var epoch = new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        foreach (var batch in corpus.Posts.Chunk(PostsPerBatch))
        {
            var records = new List<PostRecord>(batch.Length);
            var vectors = new Dictionary<string, float[]>();
            foreach (var post in batch)
            {
                var chunks = post.Chunks.Select((chunk, ordinal) => new ChunkRecord(ordinal, chunk.Text, chunk.CharStart,
                    chunk.CharStart + chunk.Text.Length, chunk.Tokens, SHA256.HashData(Encoding.UTF8.GetBytes(chunk.Text)))).ToList();
                foreach (var chunk in chunks)
                {
                    vectors[Convert.ToHexString(chunk.TextHash)] = [1];
                }
                var created = epoch.AddMinutes(post.Cid * 97);
                records.Add(new PostRecord(post.Cid, "post", post.Title, $"post-{post.Cid}", created, created,
                    SHA256.HashData(Encoding.UTF8.GetBytes(post.Title + post.Cid)), chunks));
            }
            await writer.WriteBatchAsync(model, records, vectors, [], [], "loadbench", null,
                (connection, transaction, chunkIds, ct) => keywordWriter.WriteAsync(connection, transaction, chunkIds, ct));
            Console.Write($"\rWriting posts: {batch[^1].Cid}/{corpus.Posts.Count}   ");
        }
        Console.WriteLine($"\nWrote {corpus.Posts.Count} posts ({corpus.ChunkCount} chunks and keyword statistics) in {clock.Elapsed.TotalSeconds:F0} s");
        await using var analyze = dataSource.CreateCommand("VACUUM ANALYZE posts, chunks, keyword_docs, keyword_postings, keyword_terms");
        await analyze.ExecuteNonQueryAsync();
    }

    /// <param name="dataSource">A pool of one connection, so one PostgreSQL backend does all the work and its CPU time is read.</param>
    public static async Task<(IReadOnlyList<KeywordLegTiming> Timings, int Mismatches, double LuceneBuildSeconds, double ProductBuildSeconds)> MeasureAsync(
        NpgsqlDataSource dataSource, Corpus corpus, IReadOnlyList<string> queries, IReadOnlyDictionary<string, string> kindOf, int depth)
    {
        var searcher = new KeywordSearcher(dataSource);
        var clock = Stopwatch.StartNew();
        using var lucene = LuceneBm25.Build(corpus);
        var luceneBuild = clock.Elapsed.TotalSeconds;
        // The product's per-node index, built from PostgreSQL as a node builds it at start.
        clock.Restart();
        using var product = new LuceneKeywordIndex();
        var generation = new System.Runtime.CompilerServices.StrongBox<long>();
        await product.RebuildAsync(new KeywordChangeFeed(dataSource).ReadAllAsync(generation, CancellationToken.None), () => generation.Value, CancellationToken.None);
        var productBuild = clock.Elapsed.TotalSeconds;
        int backend;
        await using (var pid = dataSource.CreateCommand("SELECT pg_backend_pid()"))
        {
            backend = (int)(await pid.ExecuteScalarAsync())!;
        }

        var methods = new (string Name, Func<string, Task> Run)[]
        {
            ("PostgreSQL, every posting list summed, top 10", q => searcher.RankExhaustiveAsync(q, 10)),
            ("PostgreSQL, pruned (MaxScore), top 10", q => searcher.RankBm25Async(q, 10)),
            ("Lucene.NET BM25, top 10 (reference)", q => { lucene.Search(q, 10); return Task.CompletedTask; }),
            ("product: node's Lucene index, exact BM25, top 10", q => { product.Search(KeywordQuery.Parse(q), 10); return Task.CompletedTask; }),
            ($"PostgreSQL, every posting list summed, top {depth}", q => searcher.RankExhaustiveAsync(q, depth)),
            ($"PostgreSQL, pruned (MaxScore), top {depth}", q => searcher.RankBm25Async(q, depth)),
            ($"Lucene.NET BM25, top {depth} (reference)", q => { lucene.Search(q, depth); return Task.CompletedTask; }),
            ($"product: node's Lucene index, exact BM25, top {depth}", q => { product.Search(KeywordQuery.Parse(q), depth); return Task.CompletedTask; }),
        };
        // Warm-up (JIT, caches), and the pruned answers checked against the exhaustive ones on every query.
        var mismatches = 0;
        foreach (var query in queries)
        {
            foreach (var k in new[] { 10, depth })
            {
                var exhaustive = await searcher.RankExhaustiveAsync(query, k);
                if (!(await searcher.RankBm25Async(query, k)).SequenceEqual(exhaustive))
                {
                    mismatches++;
                }
                if (!product.Search(KeywordQuery.Parse(query), k).SequenceEqual(exhaustive))
                {
                    mismatches++;
                }
            }
            lucene.Search(query, depth);
        }

        var histograms = methods.Select(_ => new Dictionary<string, (LongHistogram Latency, long CpuNs)>()).ToArray();
        foreach (var query in queries)
        {
            var kind = kindOf[query];
            for (var m = 0; m < methods.Length; m++)
            {
                var cpuBefore = BackendCpuNs(backend);
                var start = Stopwatch.GetTimestamp();
                await methods[m].Run(query);
                var micros = Stopwatch.GetElapsedTime(start).Ticks / 10;
                var cpu = BackendCpuNs(backend) - cpuBefore;
                foreach (var key in new[] { kind, "all" })
                {
                    if (!histograms[m].TryGetValue(key, out var entry))
                    {
                        entry = (new LongHistogram(60_000_000, 3), 0);
                    }
                    entry.Latency.RecordValue(micros);
                    histograms[m][key] = (entry.Latency, entry.CpuNs + cpu);
                }
            }
        }
        var timings = new List<KeywordLegTiming>();
        foreach (var kind in histograms[0].Keys.OrderBy(k => k == "all" ? "" : k, StringComparer.Ordinal))
        {
            for (var m = 0; m < methods.Length; m++)
            {
                var (latency, cpuNs) = histograms[m][kind];
                timings.Add(new KeywordLegTiming(methods[m].Name, kind, (int)latency.TotalCount, latency.GetMean() / 1000,
                    latency.GetValueAtPercentile(50) / 1000.0, latency.GetValueAtPercentile(99) / 1000.0, cpuNs / 1e6 / latency.TotalCount));
            }
        }
        return (timings, mismatches, luceneBuild, productBuild);
    }

    /// <summary>CPU time a process has run, in nanoseconds (the scheduler's own count, not clock ticks).</summary>
    private static long BackendCpuNs(int pid) =>
        long.Parse(File.ReadAllText($"/proc/{pid}/schedstat").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Lucene.NET in memory over the same post documents (the chunks' texts in order), analysed by the product's
/// <see cref="TextAnalyzer"/>, BM25 with the same k1 and b, a query term's clause boosted by how often it occurs
/// in the query (as the product's BM25 counts it).
/// </summary>
internal sealed class LuceneBm25 : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private readonly RAMDirectory _directory;
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;

    private LuceneBm25(RAMDirectory directory)
    {
        _directory = directory;
        _reader = DirectoryReader.Open(directory);
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity((float)KeywordSearcher.K1, (float)KeywordSearcher.B) };
    }

    public static LuceneBm25 Build(Corpus corpus)
    {
        var directory = new RAMDirectory();
        var analyzer = Analyzer.NewAnonymous((_, reader) => new TokenStreamComponents(new ProductTokenizer(reader)));
        var config = new IndexWriterConfig(Version, analyzer)
        {
            Similarity = new BM25Similarity((float)KeywordSearcher.K1, (float)KeywordSearcher.B),
            OpenMode = OpenMode.CREATE,
        };
        using (var writer = new Lucene.Net.Index.IndexWriter(directory, config))
        {
            foreach (var post in corpus.Posts)
            {
                writer.AddDocument(new Document
                {
                    new StoredField("cid", post.Cid),
                    new TextField("text", string.Concat(post.Chunks.Select(c => c.Text + "\n")), Field.Store.NO),
                });
            }
            writer.ForceMerge(1);
        }
        return new LuceneBm25(directory);
    }

    public TopDocs Search(string query, int k)
    {
        // The product's KeywordQuery: a term of weight w is w clauses (its score w times, and w toward the
        // minimum-should-match, which Lucene counts in clauses).
        var keywordQuery = KeywordQuery.Parse(query);
        var clauses = new BooleanQuery { MinimumNumberShouldMatch = keywordQuery.MinimumShouldMatch };
        foreach (var (term, weight) in keywordQuery.Terms)
        {
            for (var i = 0; i < weight; i++)
            {
                clauses.Add(new TermQuery(new Term("text", term)), Occur.SHOULD);
            }
        }
        return _searcher.Search(clauses, k);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _directory.Dispose();
    }

    /// <summary>The product's analyzer as a Lucene tokenizer: its terms with their offsets.</summary>
    private sealed class ProductTokenizer : Tokenizer
    {
        private readonly ICharTermAttribute _term;
        private readonly IOffsetAttribute _offset;
        private List<BlogSemanticIndex.Search.Keyword.AnalyzedToken>? _tokens;
        private int _next;

        public ProductTokenizer(TextReader input) : base(input)
        {
            _term = AddAttribute<ICharTermAttribute>();
            _offset = AddAttribute<IOffsetAttribute>();
        }

        public override bool IncrementToken()
        {
            ClearAttributes();
            _tokens ??= TextAnalyzer.Analyze(m_input.ReadToEnd());
            if (_next >= _tokens.Count)
            {
                return false;
            }
            var token = _tokens[_next++];
            _term.SetEmpty().Append(token.Term);
            _offset.SetOffset(CorrectOffset(token.Start), CorrectOffset(token.End));
            return true;
        }

        public override void Reset()
        {
            base.Reset();
            _tokens = null;
            _next = 0;
        }
    }
}
