// SciFact retrieval quality of the search legs: nDCG@10, MRR@10 and Recall@50 for keyword-like (Typecho's
// LIKE search), keyword (BM25 + substring matches), semantic and hybrid (RRF).
//   dotnet run -c Release --project bench/SearchEval [-- --data ../shared/data/scifact --keep]
// The index goes into a fresh schema of BSI_EVAL_PG (default: the bsi_test database scripts/setup.sh creates),
// dropped at the end unless --keep. Document vectors are cached under the temp folder, keyed by model and revision.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Options;
using Npgsql;
using BlogSemanticIndex.Evaluation;
using BlogSemanticIndex.Evaluation.Corpora;

var dataFolder = ArgValue("--data") ?? SharedDataFolder.Find("scifact", "corpus_train.csv");
var keep = args.Contains("--keep");
var serverConnection = Environment.GetEnvironmentVariable("BSI_EVAL_PG") is { Length: > 0 } pg
    ? pg : "Host=127.0.0.1;Port=5432;Database=bsi_test;Username=bsi;Password=bsi";

var documents = SciFactBlog.ReadCorpus(Path.Combine(dataFolder, "corpus_train.csv"));
var queries = SciFactBlog.ReadClaims(Path.Combine(dataFolder, "claims_train.csv"));
Console.WriteLine($"SciFact: {documents.Count} abstracts as posts, {queries.Count} claims as queries ({queries.Sum(q => q.Relevant.Count)} relevant pairs)");

using var encoder = SentenceEncoder.Create(new EncoderOptions { Device = "cpu", Precision = "fp32" });
var texts = documents.Select(d => $"{d.Title}\n{d.Abstract}").ToList();
var vectors = VectorCache.LoadOrEncode(encoder, texts, "bsi-searcheval");

var schema = $"eval_{Guid.NewGuid():N}"[..21];
await using (var admin = IndexDataSource.Create(serverConnection))
await using (var create = admin.CreateCommand($"CREATE SCHEMA {schema}"))
{
    await create.ExecuteNonQueryAsync();
}
var connectionString = new NpgsqlConnectionStringBuilder(serverConnection) { SearchPath = $"{schema},public" }.ConnectionString;
try
{
    await using var dataSource = IndexDataSource.Create(connectionString);
    await new MigrationRunner(dataSource, new IndexStoreOptions().ResolveMigrationsPath()).MigrateAsync();
    var load = Stopwatch.StartNew();
    await LoadAsync(dataSource, encoder, documents, texts, vectors);
    Console.WriteLine($"Loaded into schema {schema} in {load.Elapsed.TotalSeconds:F1} s");

    var options = Options.Create(new SearchOptions());
    var keyword = new KeywordSearcher(dataSource);
    var service = new SearchService(dataSource, keyword,
        new SemanticSearcher(dataSource, new WhiteningStore(dataSource), new SentenceEncoderQueryEmbedder(encoder), options), options);

    var evaluation = new SearchModeEvaluation(service, keyword);
    Console.WriteLine();
    Console.WriteLine("| mode         | nDCG@10 | MRR@10 | Recall@50 | ms/query |");
    Console.WriteLine("|--------------|---------|--------|-----------|----------|");
    foreach (var mode in Enum.GetValues<EvaluatedMode>())
    {
        var scores = await evaluation.ScoreAsync(mode, queries);
        Console.WriteLine($"| {SearchModeEvaluation.Name(mode),-12} | {scores.NdcgAt10,7:F3} | {scores.MrrAt10,6:F3} | {scores.RecallAt50,9:F3} | {scores.MillisecondsPerQuery,8:F1} |");
    }
}
finally
{
    if (!keep)
    {
        await using var admin = IndexDataSource.Create(serverConnection);
        await using var drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}

string? ArgValue(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

// One chunk per abstract (the encoder truncates at its 256 tokens, as the reference numbers do); the keyword
// index sees the whole text.
static async Task LoadAsync(NpgsqlDataSource dataSource, SentenceEncoder encoder, IReadOnlyList<SciFactDocument> documents, List<string> texts, float[][] vectors)
{
    var writer = new IndexWriter(dataSource);
    var keywordWriter = new KeywordIndexWriter();
    var model = await writer.RegisterModelAsync(encoder.Info.Name, encoder.Info.Revision, encoder.Dimensions);
    var epoch = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
    for (var start = 0; start < documents.Count; start += 500)
    {
        var records = new List<PostRecord>();
        var embeddings = new Dictionary<string, float[]>();
        for (var i = start; i < Math.Min(documents.Count, start + 500); i++)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(texts[i]));
            var chunk = new ChunkRecord(0, texts[i], 0, texts[i].Length, encoder.Tokenize(texts[i]).Length - 2, hash);
            var created = epoch.AddHours(i);
            records.Add(new PostRecord(documents[i].DocId, "post", documents[i].Title, documents[i].DocId.ToString(), created, created, hash, [chunk]));
            embeddings[Convert.ToHexString(hash)] = vectors[i];
        }
        await writer.WriteBatchAsync(model, records, embeddings, [], [], "scifact", null,
            (connection, transaction, chunkIds, ct) => keywordWriter.WriteAsync(connection, transaction, chunkIds, ct));
    }
    // Activation builds the raw-vector HNSW index the semantic leg searches.
    await writer.ActivateModelAsync(model);
    await using var analyze = dataSource.CreateCommand("ANALYZE posts, chunks, chunk_embeddings, keyword_docs, keyword_postings");
    await analyze.ExecuteNonQueryAsync();
}
