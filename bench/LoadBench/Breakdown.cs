using System.Diagnostics;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Tokenization;
using BlogSemanticIndex.Whitening;
using HdrHistogram;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LoadBench;

/// <summary>One part of a search, timed alone, one query at a time.</summary>
internal sealed record ComponentTiming(string Component, double MeanMs, double P50Ms, double P99Ms);

/// <summary>
/// Where a search's time goes: the product's own classes called in this process, one query at a time, with
/// no HTTP around them. The query embedding is timed alone; the legs and the whole ranking-plus-snippets run
/// with the query's vector already computed (<see cref="PrecomputedEmbedder"/>), so they cost only what
/// follows the embedding.
/// </summary>
internal static class Breakdown
{
    /// <param name="kindOf">Each query's kind: the keyword leg is also timed per kind.</param>
    public static async Task<IReadOnlyList<ComponentTiming>> MeasureAsync(NpgsqlDataSource dataSource, SentenceEncoder encoder,
        IReadOnlyList<string> queries, IReadOnlyDictionary<string, string> kindOf, SearchOptions settings)
    {
        var options = Options.Create(settings);
        var whitening = new WhiteningStore(dataSource);
        var embedded = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var precomputed = new PrecomputedEmbedder(encoder.Info, new EncoderCoverage(encoder.Tokenizer), embedded);
        // The keyword leg as the service runs it: BM25 in the node's Lucene index, built from PostgreSQL as a node builds it at start.
        using var keywordIndex = new LuceneKeywordIndex();
        var generation = new System.Runtime.CompilerServices.StrongBox<long>();
        await keywordIndex.RebuildAsync(new KeywordChangeFeed(dataSource).ReadAllAsync(generation, CancellationToken.None), () => generation.Value,
            CancellationToken.None);
        var keyword = new KeywordSearcher(dataSource, keywordIndex);
        var semantic = new SemanticSearcher(dataSource, whitening, precomputed, options);
        var service = new SearchService(dataSource, keyword, semantic, options);

        // Warm-up: JIT, the whitening model's cache, connections in the pool.
        foreach (var query in queries.Take(20))
        {
            embedded[query] = encoder.EncodeQuery(query);
            await service.SearchAsync(query, SearchMode.Hybrid, 1, 10);
        }
        var active = await whitening.GetActiveAsync();
        var perKind = new List<ComponentTiming>();
        var substringPerKind = new List<ComponentTiming>();
        foreach (var kind in queries.GroupBy(q => kindOf[q]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var terms = kind.Average(q => KeywordQuery.Parse(q).Terms.Count);
            perKind.Add(await TimeAsync($"  BM25, {kind.Key} ({kind.Count()} queries, {terms:F0} terms)", [.. kind],
                query => keyword.RankBm25Async(query, settings.KeywordCandidates)));
            substringPerKind.Add(await TimeAsync($"  substring, {kind.Key} ({kind.Count()} queries)", [.. kind],
                query => keyword.FindSubstringMatchesAsync(query, settings.KeywordCandidates)));
        }
        return
        [
            .. ConcurrentEmbedding(encoder, queries),
            await TimeAsync("query embedding (encoder)", queries, query =>
            {
                embedded[query] = encoder.EncodeQuery(query);
                return Task.CompletedTask;
            }),
            await TimeAsync($"whitening transform ({encoder.Dimensions} → {active?.Model.Dims ?? encoder.Dimensions} dims)", queries, query =>
            {
                active?.Model.Transform(embedded[query]);
                return Task.CompletedTask;
            }),
            await TimeAsync("keyword leg (BM25 + substring, in parallel)", queries, query => keyword.SearchAsync(query, settings.KeywordCandidates)),
            await TimeAsync("  BM25 alone", queries, query => keyword.RankBm25Async(query, settings.KeywordCandidates)),
            .. perKind,
            await TimeAsync("  substring (ILIKE) alone", queries, query => keyword.FindSubstringMatchesAsync(query, settings.KeywordCandidates)),
            .. substringPerKind,
            .. await SlowestAsync("  substring, slowest", queries, query => keyword.FindSubstringMatchesAsync(query, settings.KeywordCandidates)),
            await TimeAsync("semantic leg after the embedding", queries, query => semantic.SearchAsync(query, settings.SemanticCandidates)),
            await TimeAsync("hybrid search after the embedding (legs, fusion, page, snippets)", queries,
                query => service.SearchAsync(query, SearchMode.Hybrid, 1, 10)),
        ];
    }

    private const int ConcurrentCallers = 8;

    /// <summary>
    /// Eight searches at once wanting a query vector: through the encoder's lock one by one, or micro-batched as the
    /// service does (<see cref="QueryBatcher"/>); interleaved twice, the better of each kept, in wall milliseconds per query.
    /// </summary>
    public static IReadOnlyList<ComponentTiming> ConcurrentEmbedding(SentenceEncoder encoder, IReadOnlyList<string> queries)
    {
        var batcher = new QueryBatcher(encoder);
        var serial = (WallMs: double.MaxValue, CpuMs: double.MaxValue);
        var batched = serial;
        for (var round = 0; round < 2; round++)
        {
            serial = Better(serial, ConcurrentMs(queries, q => encoder.EncodeQuery(q)));
            batched = Better(batched, ConcurrentMs(queries, batcher.EncodeQuery));
        }
        return
        [
            new ComponentTiming($"query embedding, {ConcurrentCallers} searches at once, one at a time (wall ms per query; CPU ms per query {serial.CpuMs:F2})", serial.WallMs, double.NaN, double.NaN),
            new ComponentTiming($"query embedding, {ConcurrentCallers} searches at once, micro-batched (wall ms per query; CPU ms per query {batched.CpuMs:F2})", batched.WallMs, double.NaN, double.NaN),
        ];

        static (double WallMs, double CpuMs) Better((double WallMs, double CpuMs) a, (double WallMs, double CpuMs) b) => a.WallMs <= b.WallMs ? a : b;
    }

    /// <summary>
    /// Wall and process CPU milliseconds per query with <see cref="ConcurrentCallers"/> threads embedding the queries
    /// between them: CPU is what the embedding takes from a loaded server, spinning worker threads included.
    /// </summary>
    private static (double WallMs, double CpuMs) ConcurrentMs(IReadOnlyList<string> queries, Func<string, float[]> embed)
    {
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, ConcurrentCallers).Select(_ => new Thread(() =>
        {
            for (var i = Interlocked.Increment(ref next); i < queries.Count; i = Interlocked.Increment(ref next))
            {
                embed(queries[i]);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var wall = clock.Elapsed.TotalMilliseconds;
        return (wall / queries.Count, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / queries.Count);
    }

    private static async Task<ComponentTiming> TimeAsync(string component, IReadOnlyList<string> queries, Func<string, Task> run)
    {
        var histogram = new LongHistogram(60_000_000, 3);
        foreach (var query in queries)
        {
            var start = Stopwatch.GetTimestamp();
            await run(query);
            histogram.RecordValue(Stopwatch.GetElapsedTime(start).Ticks / 10);
        }
        return new ComponentTiming(component, histogram.GetMean() / 1000, histogram.GetValueAtPercentile(50) / 1000.0, histogram.GetValueAtPercentile(99) / 1000.0);
    }

    /// <summary>The five queries <paramref name="run"/> took longest on, one at a time: which queries make a leg's tail.</summary>
    private static async Task<IEnumerable<ComponentTiming>> SlowestAsync(string component, IReadOnlyList<string> queries, Func<string, Task> run)
    {
        var times = new List<(string Query, double Ms)>();
        foreach (var query in queries)
        {
            var start = Stopwatch.GetTimestamp();
            await run(query);
            times.Add((query, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
        }
        return times.OrderByDescending(t => t.Ms).Take(5).Select(t => new ComponentTiming($"{component}: '{t.Query}'", t.Ms, t.Ms, t.Ms));
    }

    /// <summary>Answers with vectors computed before the timing started, so a search's time excludes the encoder.</summary>
    private sealed class PrecomputedEmbedder(ModelInfo model, EncoderCoverage coverage, IReadOnlyDictionary<string, float[]> vectors) : IQueryEmbedder
    {
        public string ModelName => model.Name;

        public string ModelRevision => model.Revision;

        public float[] EmbedQuery(string query) => vectors[query];

        public CoverageReport MeasureCoverage(string query) => coverage.Measure(query);
    }
}
