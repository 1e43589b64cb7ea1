// Retrieval quality of the search legs on a labelled set: nDCG@10, MRR@10 and Recall@50 for keyword-like (Typecho's
// LIKE search), keyword (BM25 + substring matches), semantic and hybrid (weighted RRF), plain equal-weight RRF on the
// same legs (the fusion before issue 13), then semantic and hybrid with the default whitening (β 0, γ 0, k ⌈2d/3⌉) by
// exact search, as `bsi whitening sweep` scores it.
//   dotnet run -c Release --project bench/SearchEval [-- --set scifact|stsb-zh|lcqmc|bq|atec --model builtin:arctic-xs
//                                                        --precision fp32 --max-tokens 256 --queries 1000 --data FOLDER --keep]
// scifact: SciFact's 5,183 abstracts as posts, its claims_train claims as queries. stsb-zh: senteval_cn's Chinese
// STS-B as retrieval: every distinct second sentence of its train, valid and test pairs is a post, every first sentence
// of a test pair scored 4 or 5 a query whose relevant posts are its second sentences scored 4 or 5. lcqmc, bq, atec:
// senteval_cn's test pairs, every second sentence a post and the first sentence of each positive pair a query
// (--queries of them). Every text is cut at --max-tokens encoder tokens (default 256, MiniLM's length) so models of
// different lengths see the same text. The index goes into a fresh schema of BSI_EVAL_PG (default: the bsi_test
// database scripts/setup.sh creates), dropped at the end unless --keep. Document vectors are cached under the temp
// folder, keyed by model, revision, precision and the texts.
using System.Diagnostics;
using System.Globalization;
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

var model = ArgValue("--model") ?? EncoderOptions.DefaultModel;
var precision = ArgValue("--precision") ?? "fp32";
var setName = ArgValue("--set") ?? "scifact";
var maxTokens = int.Parse(ArgValue("--max-tokens") ?? "256", CultureInfo.InvariantCulture);
var keep = args.Contains("--keep");
var serverConnection = Environment.GetEnvironmentVariable("BSI_EVAL_PG") is { Length: > 0 } pg
    ? pg : "Host=127.0.0.1;Port=5432;Database=bsi_test;Username=bsi;Password=bsi";

if (setName is not ("scifact" or "stsb-zh" or "lcqmc" or "bq" or "atec"))
{
    Console.Error.WriteLine($"--set {setName}: unknown; allowed: scifact, stsb-zh, lcqmc, bq, atec");
    return 2;
}
var (documents, queries) = setName switch
{
    "scifact" => ReadSciFact(ArgValue("--data") ?? SharedDataFolder.Find("scifact", "corpus_train.csv")),
    "stsb-zh" => StsbRetrieval.Read(ArgValue("--data") ?? SharedDataFolder.Find("senteval_cn", "STS-B/STS-B.test.data")),
    _ => ReadSentencePairs(setName.ToUpperInvariant(), int.Parse(ArgValue("--queries") ?? "1000", CultureInfo.InvariantCulture)),
};
Console.WriteLine($"{setName}: {documents.Count} posts, {queries.Count} queries ({queries.Sum(q => q.Relevant.Count)} relevant pairs)");

using var encoder = SentenceEncoder.Create(new EncoderOptions { Model = model, Device = "cpu", Precision = precision });
Console.WriteLine($"encoder {encoder.Info.Name} ({encoder.Info.Pooling} pooling, {encoder.Info.Precision}), query prefix \"{encoder.QueryPrefix}\", texts cut at {maxTokens} tokens");
var texts = documents.Select(d => CutToTokens(encoder, d.Text, maxTokens)).ToList();
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
    var modelId = await LoadAsync(dataSource, encoder, setName, documents, texts, vectors);
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
    // Plain RRF (equal weights, no coverage rule, no exact-match rule): the fusion before issue 13, on the same legs.
    var plain = FusionTuning.ScorePlainRrf(await FusionTuning.RunLegsAsync(service, queries));
    Console.WriteLine($"| {"plain RRF",-12} | {plain.NdcgAt10,7:F3} | {plain.MrrAt10,6:F3} | {plain.RecallAt50,9:F3} |          |");

    var searchOptions = options.Value;
    var sweep = new WhiteningSweep(dataSource, keyword, new SentenceEncoderQueryEmbedder(encoder), searchOptions);
    var defaultPoint = new SweepPoint(0, 0, WhiteningParameters.AutoDims(encoder.Dimensions));
    Console.WriteLine();
    Console.WriteLine("Exact search, as bsi whitening sweep scores it:");
    Console.WriteLine("| vectors            | semantic nDCG@10 | MRR@10 | hybrid nDCG@10 | MRR@10 |");
    Console.WriteLine("|--------------------|------------------|--------|----------------|--------|");
    foreach (var row in await sweep.RunAsync(modelId, queries, [defaultPoint]))
    {
        var label = row.Point is null ? $"raw ({row.Dims})" : $"({row.Point.Beta}, {row.Point.Gamma}, {row.Dims})";
        Console.WriteLine($"| {label,-18} | {row.Semantic.NdcgAt10,16:F4} | {row.Semantic.MrrAt10,6:F4} | {row.Hybrid.NdcgAt10,14:F4} | {row.Hybrid.MrrAt10,6:F4} |");
    }

    // The same default whitening as the service serves it: fitted into its reduced table (halfvec, HNSW), searched by
    // the product's semantic leg; against the exact row above, what the stored precision and the index cost.
    var fit = await new WhiteningStore(dataSource).FitAsync(modelId, new WhiteningParameters(defaultPoint.Beta, defaultPoint.Gamma, defaultPoint.Dims));
    Console.WriteLine();
    Console.WriteLine($"Served whitening ({fit.ReducedTable}, halfvec, HNSW at ef_search {searchOptions.EfSearch}+):");
    Console.WriteLine("| mode         | nDCG@10 | MRR@10 | Recall@50 | ms/query |");
    Console.WriteLine("|--------------|---------|--------|-----------|----------|");
    foreach (var mode in new[] { EvaluatedMode.Semantic, EvaluatedMode.Hybrid })
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

return 0;

string? ArgValue(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

// The first maxTokens encoder tokens of text ([CLS] and [SEP] included), cut at a token boundary.
static string CutToTokens(SentenceEncoder encoder, string text, int maxTokens)
{
    var tokens = encoder.Tokenizer.Encode(text, maxTokens);
    return tokens.Truncated ? text[..tokens.Offsets[^2].End] : text;
}

// A one-sentence post: the sentence is its title and its text, as a microblog post's title repeats its start.
(IReadOnlyList<EvalDocument>, IReadOnlyList<LabelledQuery>) ReadSentencePairs(string name, int maxQueries)
{
    var dataFolder = ArgValue("--data") ?? SharedDataFolder.Find(Path.Combine("senteval_cn", name), $"{name}.test.data");
    var set = SentevalCnSet.Read(Path.Combine(dataFolder, $"{name}.test.data"), maxQueries);
    return ([.. set.Posts.Select(p => new EvalDocument(p.Cid, p.Text, p.Text))], set.Queries);
}

static (IReadOnlyList<EvalDocument>, IReadOnlyList<LabelledQuery>) ReadSciFact(string dataFolder) =>
    ([.. SciFactBlog.ReadCorpus(Path.Combine(dataFolder, "corpus_train.csv")).Select(d => new EvalDocument(d.DocId, d.Title, $"{d.Title}\n{d.Abstract}"))],
     SciFactBlog.ReadClaims(Path.Combine(dataFolder, "claims_train.csv")));

// One chunk per document; the keyword index sees the same text.
static async Task<int> LoadAsync(NpgsqlDataSource dataSource, SentenceEncoder encoder, string source, IReadOnlyList<EvalDocument> documents,
    List<string> texts, float[][] vectors)
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
            records.Add(new PostRecord(documents[i].Id, "post", documents[i].Title, documents[i].Id.ToString(CultureInfo.InvariantCulture), created, created, hash, [chunk]));
            embeddings[Convert.ToHexString(hash)] = vectors[i];
        }
        await writer.WriteBatchAsync(model, records, embeddings, [], [], source, null,
            (connection, transaction, chunkIds, ct) => keywordWriter.WriteAsync(connection, transaction, chunkIds, ct));
    }
    // Activation builds the raw-vector HNSW index the semantic leg searches.
    await writer.ActivateModelAsync(model);
    await using var analyze = dataSource.CreateCommand("ANALYZE posts, chunks, chunk_embeddings, keyword_docs, keyword_postings");
    await analyze.ExecuteNonQueryAsync();
    return model.Id;
}
