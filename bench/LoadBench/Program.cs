// Load benchmark of GET /search: p50/p95/p99 latency and throughput at 1, 8 and 32 concurrent clients over
// 100,000 chunks, through the real service (`bsi serve`, its own process), and HNSW recall@10 against exact search.
//
//   dotnet run -c Release --project bench/LoadBench [-- --chunks 100000 --duration 20 --clients 1,8,32]
//
// The corpus is cut from the real text in ../shared/data (see Corpus.cs); its vectors are cached under
// $TMPDIR/bsi-loadbench. The index goes into a fresh schema of BSI_BENCH_PG (default: the bsi_test database
// scripts/setup.sh creates), dropped at the end unless --keep; --schema NAME reuses a kept one.
using System.Diagnostics;
using System.Globalization;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using LoadBench;
using Npgsql;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var chunkTarget = int.Parse(Arg("--chunks") ?? "100000", CultureInfo.InvariantCulture);
var duration = TimeSpan.FromSeconds(double.Parse(Arg("--duration") ?? "20", CultureInfo.InvariantCulture));
var warmUp = TimeSpan.FromSeconds(double.Parse(Arg("--warmup") ?? "3", CultureInfo.InvariantCulture));
// A fresh server's CPU per hybrid search fell from 34 to 13 ms over its first 45 s of load (the JIT's tiers and dynamic
// PGO at work, measured 2026-12-03 on this project's Xeon): its first rows would measure the JIT, not the service.
var serverWarmUp = TimeSpan.FromSeconds(double.Parse(Arg("--server-warmup") ?? "60", CultureInfo.InvariantCulture));
var clientCounts = (Arg("--clients") ?? "1,8,32").Split(',').Select(int.Parse).ToArray();
var modeClients = int.Parse(Arg("--mode-clients") ?? "8", CultureInfo.InvariantCulture);
var efSearch = int.Parse(Arg("--ef-search") ?? new SearchOptions().EfSearch.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
// The corpus is encoded once (and cached); bf16 is ~1.8x faster where the CPU has it, with vectors within
// 1e-4 in cosine of fp32's. Queries are embedded as the service embeds them (below: its query settings).
var corpusPrecision = Arg("--precision") ?? (DeviceSelection.CpuSupportsBf16 ? "bf16" : "fp32");
var recallQueries = int.Parse(Arg("--recall-queries") ?? "200", CultureInfo.InvariantCulture);
var referenceVectors = int.Parse(Arg("--reference-vectors") ?? "2000", CultureInfo.InvariantCulture);
var breakdownQueries = int.Parse(Arg("--breakdown-queries") ?? "100", CultureInfo.InvariantCulture);
// --encoded-chunks N: only the first N chunks are encoded, the rest get synthetic vectors (SyntheticVectors.cs), to measure
// how costs grow past what this CPU can encode in a session.
var encodedChunks = Math.Min(chunkTarget, int.Parse(Arg("--encoded-chunks") ?? chunkTarget.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
var reuseSchema = Arg("--schema");
var keep = args.Contains("--keep") || reuseSchema is not null;
var dataFolder = Arg("--data") ?? Path.GetDirectoryName(SharedDataFolder.Find("scifact", "corpus_train.csv"))!;
var server = Environment.GetEnvironmentVariable("BSI_BENCH_PG") is { Length: > 0 } pg
    ? pg : "Host=127.0.0.1;Port=5432;Database=bsi_test;Username=bsi;Password=bsi";

Console.WriteLine($"LoadBench: {chunkTarget} chunks, {Environment.ProcessorCount} cores ({CpuModel()}), clients {string.Join("/", clientCounts)}, " +
    $"{warmUp.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s per run, ef_search {efSearch}");

// Queries are embedded as the service embeds them: its query settings (one intra-op thread, the query precision).
using var encoder = SentenceEncoder.Create(new EncoderOptions { Device = "cpu" }.ForQueries());
Console.WriteLine($"Query encoder: {encoder.Info.Precision}" + (encoder.PrecisionProbe is { } probe
    ? $", measured at load (a pass of 1 and of 4 probe queries: fp32 {probe.Fp32Ms} ms, bf16 {probe.Bf16Ms} ms)" : ""));
var corpus = Corpus.Build(dataFolder, chunkTarget, text => encoder.Tokenize(text).Length - 2);
var chunkTexts = corpus.Posts.SelectMany(p => p.Chunks).Select(c => c.Text).ToList();
Console.WriteLine($"Corpus: {corpus.Posts.Count} posts, {chunkTexts.Count} chunks, {corpus.Posts.SelectMany(p => p.Chunks).Average(c => c.Tokens):F0} tokens per chunk on average");
Console.WriteLine($"Query pool: {corpus.Queries.Count} distinct queries ({string.Join(", ", corpus.QueryKinds.Select(k => $"{k.Count} {k.Name}"))})");

var schema = reuseSchema ?? $"load_{Guid.NewGuid():N}"[..20];
var connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = $"{schema},public" }.ConnectionString;
if (args.Contains("--embedding-only"))
{
    // The query embedding under concurrent searches alone (no database): one at a time against micro-batched, per precision.
    var sample = corpus.Queries.Take(breakdownQueries).ToList();
    foreach (var threads in (Arg("--query-threads") ?? "0").Split(',').Select(int.Parse))
    {
        foreach (var precision in DeviceSelection.CpuSupportsBf16 ? new[] { "fp32", "bf16" } : ["fp32"])
        {
            using var queryEncoder = SentenceEncoder.Create(new EncoderOptions { Device = "cpu", Precision = precision, Threads = threads });
            Breakdown.ConcurrentEmbedding(queryEncoder, sample.Take(40).ToList());
            foreach (var row in Breakdown.ConcurrentEmbedding(queryEncoder, sample))
            {
                Console.WriteLine($"{precision}, intra-op threads {(threads > 0 ? threads.ToString(System.Globalization.CultureInfo.InvariantCulture) : "libtorch's default")}, {row.Component}: {row.MeanMs:F2} ({sample.Count} queries, load average {File.ReadAllText("/proc/loadavg").Trim()})");
            }
        }
    }
    return 0;
}
if (args.Contains("--keyword-only"))
{
    return await KeywordOnlyAsync();
}
var vectors = reuseSchema is null ? CorpusIndex.LoadOrEncode(encoder.Info, new EncoderOptions { Device = "cpu", Precision = corpusPrecision }, chunkTexts[..encodedChunks]) : null;
if (vectors is not null && encodedChunks < chunkTexts.Count)
{
    (vectors, var synthetic) = SyntheticVectors.Extend(corpus, vectors);
    Console.WriteLine($"Vectors: {encodedChunks} encoded, {chunkTexts.Count - encodedChunks} synthetic (mixtures of their source's encoded chunks, " +
        $"moved {synthetic.Step:F3} along differences of encoded ones; {synthetic.SourcesWithTwoEncoded} of {synthetic.Sources} sources " +
        $"have two or more encoded chunks); mean cosine to the nearest encoded chunk of the same source: encoded chunks {synthetic.EncodedNearest:F3}, " +
        $"synthetic {synthetic.SyntheticNearest:F3}");
}
if (vectors is not null)
{
    await using var admin = IndexDataSource.Create(server);
    await using var create = admin.CreateCommand($"CREATE SCHEMA {schema}");
    await create.ExecuteNonQueryAsync();
}
try
{
    await using var dataSource = IndexDataSource.Create(connectionString);
    if (vectors is not null)
    {
        await new MigrationRunner(dataSource, new IndexStoreOptions().ResolveMigrationsPath()).MigrateAsync();
        // More memory for this process's index builds keeps both HNSW graphs in memory while they are built
        // (minutes instead of tens of minutes; the graphs are the same), and no command timeout: each build is
        // one statement that takes longer than Npgsql's default 30 s at this size.
        var loadConnection = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Options = $"-c maintenance_work_mem={BuildMemory()}",
            CommandTimeout = 0,
        }.ConnectionString;
        await using var loadSource = IndexDataSource.Create(loadConnection);
        await CorpusIndex.LoadAsync(loadSource, encoder, corpus, vectors);
        Console.WriteLine($"Index in schema {schema}{(keep ? " (kept: rerun with --schema " + schema + ")" : "")}");
    }
    var facts = await IndexFacts.ReadAsync(dataSource);
    Console.WriteLine(facts.Describe());

    // Recall of both HNSW indexes for query vectors made as the service makes them (embedded, then whitened).
    var recallSet = corpus.Queries.Take(recallQueries).ToList();
    var raw = recallSet.Select(encoder.EncodeQuery).ToList();
    var active = await new WhiteningStore(dataSource).GetActiveAsync() ?? throw new InvalidOperationException("no active whitening version");
    if (Arg("--hnsw") is { } build)
    {
        // Rebuild the searched table's index with other build settings (m,ef_construction), to compare recall and speed.
        var (m, efConstruction) = (int.Parse(build.Split(',')[0], CultureInfo.InvariantCulture), int.Parse(build.Split(',')[1], CultureInfo.InvariantCulture));
        var rebuild = Stopwatch.StartNew();
        await using var rebuildSource = IndexDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
            { Options = $"-c maintenance_work_mem={BuildMemory()}", CommandTimeout = 0 }.ConnectionString);
        await using var command = rebuildSource.CreateCommand($"""
            DROP INDEX IF EXISTS {active.ReducedTable}_embedding_hnsw;
            CREATE INDEX {active.ReducedTable}_embedding_hnsw ON {active.QuotedTable} USING hnsw (embedding halfvec_cosine_ops)
                WITH (m = {m}, ef_construction = {efConstruction})
            """);
        await command.ExecuteNonQueryAsync();
        Console.WriteLine($"Rebuilt {active.ReducedTable}_embedding_hnsw with m {m}, ef_construction {efConstruction} in {rebuild.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine((await IndexFacts.ReadAsync(dataSource)).Describe());
    }
    // The semantic leg scans with at least its candidate rows (100 posts × 4 chunks) as ef_search; the sweep shows the rest.
    var legRows = new SearchOptions().SemanticCandidates * 4;
    var legEfSearch = SemanticSearcher.EfSearchFor(efSearch, legRows);
    var efSweep = (Arg("--ef-sweep") ?? $"40,{efSearch},200,{legEfSearch},800").Split(',').Select(int.Parse).Distinct().Order().ToList();
    var whitened = raw.Select(v => active.Model.Transform(v)).ToList();
    var recalls = new List<RecallResult>();
    recalls.AddRange(await Recall.PostsAsync(dataSource, active.QuotedTable, active.Model.Dims, legRows, whitened, [legEfSearch]));
    recalls.AddRange(await Recall.SweepAsync(dataSource, active.ReducedTable, active.Model.Dims, active.QuotedTable, "embedding", whitened, ReducedVectors.ToStored, efSweep));
    recalls.AddRange(await Recall.SweepAsync(dataSource, "chunk_embeddings", encoder.Dimensions, $"chunk_embeddings WHERE model_id = {facts.ModelId}",
        $"(embedding::vector({encoder.Dimensions}))", raw, query => new Pgvector.Vector(query), [efSearch]));
    PrintRecall();
    // The service's own graph (Search:VectorIndex node), built as a node builds it, over the same vectors.
    // --node-graph M,EF_CONSTRUCTION builds it with other settings than the shipped ones, to compare recall and speed.
    var nodeGraph = Arg("--node-graph")?.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() is [var graphM, var graphEfConstruction]
        ? (graphM, graphEfConstruction) : ((int, int)?)null;
    var shippedList = SemanticSearcher.NodeGraphExpansion(new SearchOptions { EfSearch = efSearch });
    using var nodeIndex = await NodeVectorIndexBench.BuildAsync(dataSource, shippedList, nodeGraph);
    // --node-expansion-sweep 800,1200,1600 also reads the graph at other candidate lists: recall and time at each.
    var sweepLists = Arg("--node-expansion-sweep")?.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList() ?? [];
    var nodeRecalls = await nodeIndex.PostRecallAt10(whitened, legRows, [legRows, .. sweepLists]);
    var nodeRecall = nodeRecalls[0].Recall;
    Console.WriteLine($"Node vector index (USearch, {(nodeGraph is { } g ? $"m {g.Item1}, ef_construction {g.Item2}" : "as the service builds it")}): built from the searched table in {nodeIndex.BuildTime.TotalSeconds:F0} s " +
        $"({nodeIndex.Orphans} chunks no search through the graph reaches, scanned by every search); " +
        $"recall@10 of the top 10 posts of its {legRows} rows against exact search {nodeRecall:F3} ({recallSet.Count} queries, " +
        $"{nodeRecalls[0].MeanMs:F2} ms per search one at a time)");
    foreach (var result in nodeRecalls.Skip(1))
    {
        Console.WriteLine($"  node graph, candidate list {result.CandidateList}: post recall@10 {result.Recall:F3} " +
            $"(against the query in half precision, as the graph reads it: {result.RecallOfHalfQuery:F3}; " +
            $"within {NodeVectorIndexBench.TieTolerance} of the 10th post's similarity: {result.RecallWithinTolerance:F3}), " +
            $"{result.MeanMs:F2} ms per search (one at a time)");
    }
    if (nodeGraph is null && await nodeIndex.SaveForTheServiceAsync(dataSource) is { } savedIn)
    {
        Console.WriteLine($"  saved in {savedIn}, where the service takes it up instead of building it again");
    }
    var (selfFound, selfAsked) = await nodeIndex.SelfFound(2000, shippedList);
    Console.WriteLine($"  node graph reachability: {selfFound} of {selfAsked} stored chunks found among the 10 nearest to their own vector " +
        $"(candidate list {shippedList}); a chunk no search reaches caps recall at any list");
    if (args.Contains("--recall-only"))
    {
        return 0;
    }

    var scansBefore = await IndexFacts.HnswScansAsync(dataSource);
    var runs = new List<LoadResult>();
    long indexedDuringRun;
    string indexingPrecision;
    // The application name marks the server's backends, whose CPU time is counted (others may share the database server).
    const string applicationName = "bsi-loadbench-serve";
    var unique = QueryStream.Unique(corpus.Queries);
    // Zipf ranks over the pool from its other end, so the unique rows before it have not already cached its head.
    var zipf = QueryStream.Zipf([.. corpus.Queries.Reverse()]);
    await using (var bsi = await BsiServer.StartAsync(new Dictionary<string, string>
    {
        ["IndexStore:ConnectionString"] = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString,
        ["Encoder:Device"] = "cpu",
        ["Search:EfSearch"] = efSearch.ToString(CultureInfo.InvariantCulture),
        // Every client of the benchmark is 127.0.0.1; the per-address limit (600/min by default) would answer 429s.
        ["Search:RateLimitPerMinute"] = "0",
    }.Concat(ServerSettings()).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value), TimeSpan.FromMinutes(Math.Max(6, 3.0 * chunkTarget / 100_000))))
    {
        Console.WriteLine($"bsi serve (pid {bsi.ProcessId}) healthy at {bsi.Address}");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = bsi.Address };
        var search = new SearchRequests(http);
        var runner = new LoadRunner(bsi.CpuTime, () => BackendsOf(dataSource, applicationName));
        // Warmed on chunk openings, not the pool: the measured rows must meet their queries for the first time.
        var warmUpQueries = QueryStream.Unique([.. chunkTexts.Where((_, i) => i % 5 == 0).Select(t => t[..Math.Min(t.Length, 60)].Trim())]);
        await runner.RunAsync("warm-up", 8, TimeSpan.Zero, serverWarmUp, search.For("hybrid", warmUpQueries));
        // A row of unique queries; once the pool is spent it starts over, and the repeats may find their query vectors
        // cached, so the row says how many it sent.
        async Task<LoadResult> UniqueRow(string name, int clients, string mode)
        {
            var sentBefore = unique.Sent;
            var run = await Report(await runner.RunAsync(name, clients, warmUp, duration, search.For(mode, unique)));
            if (unique.RepeatedSince(sentBefore) is > 0 and var repeated)
            {
                Console.WriteLine($"    {repeated} of this row's queries (warm-up included) repeat earlier ones: the pool of {corpus.Queries.Count} is spent");
            }
            return run;
        }
        foreach (var clients in clientCounts)
        {
            runs.Add(await UniqueRow("hybrid", clients, "hybrid"));
        }
        if (modeClients > 0)
        {
            foreach (var mode in new[] { "semantic", "keyword" })
            {
                runs.Add(await UniqueRow(mode, modeClients, mode));
            }
            runs.Add(await Report(await runner.RunAsync("hybrid, Zipf-repeated queries", modeClients, warmUp, duration, search.For("hybrid", zipf))));
            using var indexing = new IndexingLoad(chunkTexts);
            indexing.Start();
            var clock = Stopwatch.StartNew();
            runs.Add(await UniqueRow("hybrid, while indexing", modeClients, "hybrid"));
            indexedDuringRun = (long)(indexing.Stop() / clock.Elapsed.TotalSeconds);
            indexingPrecision = indexing.Precision;
        }
        else
        {
            (indexedDuringRun, indexingPrecision) = (0, "");
        }
    }
    // The server's connections are closed now, so PostgreSQL has counted their index scans.
    await Task.Delay(1000);
    var scans = (await IndexFacts.HnswScansAsync(dataSource)).ToDictionary(s => s.Key, s => s.Value - scansBefore.GetValueOrDefault(s.Key));

    // Each leg's engine alone under the same clients, on the machine as idle as the service had it.
    var references = new List<LoadResult>();
    if (modeClients > 0)
    {
        const string referenceApplication = "bsi-loadbench-reference";
        var reference = new LoadRunner(() => TimeSpan.Zero, () => BackendsOf(dataSource, referenceApplication));
        using (var lucene = LuceneBm25.Build(corpus))
        {
            references.Add(await Report(await reference.RunAsync("reference: Lucene.NET BM25 top 10 alone", modeClients, warmUp, duration,
                References.LuceneTop10(lucene, QueryStream.Unique(corpus.Queries)))));
        }
        await using var pgvector = IndexDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
            { ApplicationName = referenceApplication, Options = $"-c hnsw.ef_search={efSearch}" }.ConnectionString);
        await using var legPgvector = IndexDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
            { ApplicationName = referenceApplication, Options = $"-c hnsw.ef_search={legEfSearch} -c hnsw.iterative_scan=relaxed_order" }.ConnectionString);
        var precomputed = corpus.Queries.Skip(recallQueries).Take(referenceVectors).Select(q => active.Model.Transform(encoder.EncodeQuery(q))).ToList();
        references.Add(await Report(await reference.RunAsync("reference: pgvector top 10 alone (vectors precomputed)", modeClients, warmUp, duration,
            References.PgvectorTop10(pgvector, active.QuotedTable, precomputed))));
        references.Add(await Report(await reference.RunAsync("reference: query embedding + pgvector top 10", modeClients, warmUp, duration,
            References.EmbedThenPgvectorTop10(pgvector, active.QuotedTable, encoder, active.Model, QueryStream.Unique(corpus.Queries)))));
        // The leg's own query (its candidate rows) in pgvector against an HNSW index in this process over the same vectors.
        references.Add(await Report(await reference.RunAsync($"reference: pgvector, the leg's {legRows} rows at ef_search {legEfSearch} (vectors precomputed)",
            modeClients, warmUp, duration, References.PgvectorNearest(legPgvector, active.QuotedTable, precomputed, legRows))));
        references.Add(await Report(await reference.RunAsync($"reference: node vector index, the leg's {legRows} rows (vectors precomputed)",
            modeClients, warmUp, duration, nodeIndex.Nearest(precomputed, legRows))));
    }

    var timings = await Breakdown.MeasureAsync(dataSource, encoder, corpus.Queries.Skip(recallQueries).Take(breakdownQueries).ToList(),
        corpus.KindOf, new SearchOptions { EfSearch = efSearch });

    Console.WriteLine();
    Console.WriteLine($"## GET /search, {facts.Chunks} chunks in {facts.Posts} posts ({CpuModel()}, {Environment.ProcessorCount} cores; client and server on this machine)");
    Console.WriteLine();
    Console.WriteLine("| run | clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU ms/req | PostgreSQL CPU ms/req | client CPU ms/req | machine busy | stolen by the host |");
    Console.WriteLine("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |");
    foreach (var run in runs.Concat(references))
    {
        Console.WriteLine($"| {run.Mode} | {run.Clients} | {run.Requests} | {run.PerSecond:F0} | {run.Percentile(50):F1} | {run.Percentile(95):F1} | " +
            $"{run.Percentile(99):F1} | {run.MaxMs:F1} | {run.Errors} | {run.ServerCpuMsPerRequest:F2} | {run.PostgresCpuMsPerRequest:F2} | " +
            $"{run.ClientCpuMsPerRequest:F2} | {run.MachineBusy:P0} | {run.MachineStolen:P0} |");
    }
    Console.WriteLine();
    Console.WriteLine($"{unique.Sent + zipf.Sent} requests sent over a pool of {corpus.Queries.Count} distinct queries ({zipf.Sent} of them Zipf-drawn, " +
        $"~{zipf.ExpectedDistinct(zipf.Sent):F0} distinct); {runs.Sum(r => r.Degraded)} answered by one leg only, {runs.Sum(r => r.Empty)} with no hits.");
    if (indexedDuringRun > 0)
    {
        Console.WriteLine($"While indexing: the indexer's encoder ({indexingPrecision}, in this process) embedded {indexedDuringRun} chunks/s beside the searches.");
    }
    Console.WriteLine($"HNSW index scans during the runs: {string.Join(", ", scans.Select(s => $"{s.Key} {s.Value}"))}");
    if (references.FirstOrDefault(r => r.Mode.StartsWith("reference: pgvector, the leg's", StringComparison.Ordinal)) is { } inDatabase
        && references.FirstOrDefault(r => r.Mode.StartsWith("reference: node vector index", StringComparison.Ordinal)) is { } inNode)
    {
        Console.WriteLine($"Node vector index: built in {nodeIndex.BuildTime.TotalSeconds:F0} s; post recall@10 {nodeRecall:F3}. The leg's candidate query: " +
            $"pgvector {inDatabase.PerSecond:F0}/s (PostgreSQL CPU {inDatabase.PostgresCpuMsPerRequest:F2} ms each) against the node index " +
            $"{inNode.PerSecond:F0}/s (CPU {inNode.ClientCpuMsPerRequest:F2} ms each)");
    }
    PrintRatio("keyword", "reference: Lucene.NET BM25 top 10 alone", 1.2);
    PrintRatio("semantic", "reference: pgvector top 10 alone (vectors precomputed)", 1.5);
    PrintRatio("semantic", "reference: query embedding + pgvector top 10", 1.5);

    Console.WriteLine();
    Console.WriteLine($"## Where a search's time goes (one query at a time, in this process, {timings.Count} parts over {breakdownQueries} queries)");
    Console.WriteLine();
    Console.WriteLine("| part | mean ms | p50 ms | p99 ms |");
    Console.WriteLine("|------|--------:|-------:|-------:|");
    foreach (var timing in timings)
    {
        Console.WriteLine($"| {timing.Component} | {timing.MeanMs:F2} | {timing.P50Ms:F2} | {timing.P99Ms:F2} |");
    }

    var target = runs.FirstOrDefault(r => r is { Mode: "hybrid", Clients: 8 });
    var repeated = runs.FirstOrDefault(r => r.Mode.StartsWith("hybrid, Zipf", StringComparison.Ordinal));
    // The semantic leg searches the node's graph unless the run told the service otherwise.
    var legSearchesPgvector = ServerSettings().Any(s => s.Key == "Search:VectorIndex" && s.Value.Equals("postgres", StringComparison.OrdinalIgnoreCase));
    var postRecall = legSearchesPgvector ? recalls[0].RecallAt10 : nodeRecall;
    Console.WriteLine();
    if (target is not null)
    {
        Console.WriteLine($"Must show, hybrid at 8 clients with unique queries: {target.PerSecond:F0} searches/s (≥ 150: {Verdict(target.PerSecond >= 150)}; goal 300), " +
            $"p99 {target.Percentile(99):F1} ms (≤ 50: {Verdict(target.Percentile(99) <= 50)}; goal 25)");
    }
    if (repeated is not null)
    {
        Console.WriteLine($"Must show, Zipf-repeated queries: {repeated.PerSecond:F0} searches/s (≥ 600: {Verdict(repeated.PerSecond >= 600)})");
    }
    Console.WriteLine($"Must show, HNSW recall@10 of the posts the semantic leg returns ({(legSearchesPgvector ? "pgvector" : "the node vector index")}): " +
        $"{postRecall:F3} (≥ 0.99: {Verdict(postRecall >= 0.99)}); " +
        $"of the index's own chunk top 10 at ef_search {efSearch}: {recalls.First(r => r.Unit == "chunks" && r.EfSearch == efSearch).RecallAt10:F3}");
    if (runs.Sum(r => r.Errors) > 0)
    {
        Console.WriteLine($"Errors: the server's console output is kept in {BsiServer.KeptLogPath}");
        return 1;
    }
    return 0;

    void PrintRecall()
    {
        Console.WriteLine();
        Console.WriteLine($"## HNSW recall@10 against exact search ({recallSet.Count} queries; configured Search:EfSearch {efSearch}; the semantic leg asks for {legRows} rows)");
        Console.WriteLine();
        Console.WriteLine("| table | top 10 of | dims | ef_search | recall@10 | HNSW ms/query | exact ms/query | HNSW plan | exact plan |");
        Console.WriteLine("| --- | --- | --: | --: | --: | --: | --: | --- | --- |");
        foreach (var recall in recalls)
        {
            Console.WriteLine($"| {recall.Table}{(recall.Table.Trim('"') == active.ReducedTable ? " (searched)" : "")} | {recall.Unit} | {recall.Dimensions} | {recall.EfSearch} | " +
                $"{recall.RecallAt10:F3} | {recall.HnswMs:F2} | {recall.ExactMs:F1} | {recall.HnswPlan} | {recall.ExactPlan} |");
        }
    }

    void PrintRatio(string mode, string referenceName, double goal)
    {
        if (runs.FirstOrDefault(r => r.Mode == mode) is { } leg && references.FirstOrDefault(r => r.Mode == referenceName) is { } engine)
        {
            var ratio = engine.PerSecond / leg.PerSecond;
            Console.WriteLine($"{mode} (the service, HTTP, snippets and all) against {referenceName[11..]}: {leg.PerSecond:F0} vs {engine.PerSecond:F0} searches/s, " +
                $"{ratio:F2}× the reference's cost (goal ≤ {goal}×: {Verdict(ratio <= goal)}); p50 {leg.Percentile(50):F1} vs {engine.Percentile(50):F1} ms");
        }
    }
}
finally
{
    if (!keep)
    {
        await using var admin = IndexDataSource.Create(server);
        await using var drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}

// The keyword leg alone (KeywordLeg.cs): needs no vectors, so it runs on a machine where the corpus was never encoded.
async Task<int> KeywordOnlyAsync()
{
    var depth = int.Parse(Arg("--keyword-depth") ?? new SearchOptions().KeywordCandidates.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    var count = int.Parse(Arg("--keyword-queries") ?? "400", CultureInfo.InvariantCulture);
    if (reuseSchema is null)
    {
        await using var admin = IndexDataSource.Create(server);
        await using var create = admin.CreateCommand($"CREATE SCHEMA {schema}");
        await create.ExecuteNonQueryAsync();
    }
    try
    {
        if (reuseSchema is null)
        {
            await using var loadSource = IndexDataSource.Create(connectionString);
            await new MigrationRunner(loadSource, new IndexStoreOptions().ResolveMigrationsPath()).MigrateAsync();
            await KeywordLeg.LoadAsync(loadSource, corpus);
            Console.WriteLine($"Index in schema {schema}{(keep ? " (kept: rerun with --schema " + schema + ")" : "")}");
        }
        await using var single = IndexDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1, CommandTimeout = 0 }.ConnectionString);
        var queries = corpus.Queries.Take(count).ToList();
        var (timings, mismatches, luceneBuild, productBuild) = await KeywordLeg.MeasureAsync(single, corpus, queries, corpus.KindOf, depth);
        Console.WriteLine();
        Console.WriteLine($"## Keyword leg alone, {corpus.ChunkCount} chunks in {corpus.Posts.Count} posts, {queries.Count} queries one at a time " +
            $"({CpuModel()}, {Environment.ProcessorCount} cores; reference Lucene.NET index built from the texts in {luceneBuild:F0} s, " +
            $"the product's node index from PostgreSQL in {productBuild:F0} s; load average {File.ReadAllText("/proc/loadavg").Trim()})");
        Console.WriteLine();
        Console.WriteLine($"Pruned PostgreSQL or product Lucene top k different from the exhaustive top k: {mismatches} of {4 * queries.Count} (k = 10 and {depth}).");
        Console.WriteLine();
        Console.WriteLine("| queries | method | n | mean ms | p50 ms | p99 ms | PostgreSQL CPU ms/query |");
        Console.WriteLine("|---------|--------|--:|--------:|-------:|-------:|------------------------:|");
        foreach (var t in timings)
        {
            Console.WriteLine($"| {t.Kind} | {t.Method} | {t.Queries} | {t.MeanMs:F2} | {t.P50Ms:F2} | {t.P99Ms:F2} | {t.PostgresCpuMs:F2} |");
        }
        return mismatches == 0 ? 0 : 1;
    }
    finally
    {
        if (!keep)
        {
            await using var admin = IndexDataSource.Create(server);
            await using var drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }
}

// The PostgreSQL backends of one application name (its CPU time is counted per run).
static IReadOnlyCollection<int> BackendsOf(NpgsqlDataSource dataSource, string applicationName)
{
    using var command = dataSource.CreateCommand("SELECT pid FROM pg_stat_activity WHERE application_name = @name");
    command.Parameters.AddWithValue("name", applicationName);
    using var reader = command.ExecuteReader();
    var pids = new List<int>();
    while (reader.Read())
    {
        pids.Add(reader.GetInt32(0));
    }
    return pids;
}

static string Verdict(bool met) => met ? "met" : "missed";

static async Task<LoadResult> Report(LoadResult run)
{
    Console.WriteLine($"  {run.Mode} × {run.Clients}: {run.PerSecond:F0} req/s, p50 {run.Percentile(50):F1} ms, p99 {run.Percentile(99):F1} ms, " +
        $"{run.Errors} errors{(run.FirstError is { } e ? $" (first: {e})" : "")}");
    await Console.Out.FlushAsync();
    return run;
}

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

// Memory for the HNSW builds: a graph that outgrows it is built on disk, tens of times slower (~1 GB per 250,000 chunks).
string BuildMemory() => $"{Math.Max(1, (chunkTarget + 249_999) / 250_000)}GB";

// --server-setting Section:Key=value (repeatable) changes one setting of the measured service, to compare settings side by side.
IEnumerable<KeyValuePair<string, string>> ServerSettings() => args
    .Select((a, i) => a == "--server-setting" && i + 1 < args.Length ? args[i + 1] : null)
    .OfType<string>()
    .Select(s => s.Split('=', 2) is [var key, var value] ? KeyValuePair.Create(key, value) : throw new ArgumentException($"--server-setting {s}: expected Section:Key=value"));

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
