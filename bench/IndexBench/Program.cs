// Indexes a generated Typecho blog (the demo generator: English and Chinese Markdown/HTML posts, every
// title unique so no chunk text repeats) into a fresh schema, through the same pipeline the service runs
// (change feed, text extraction, chunking, embedding, vectors + keyword statistics in one transaction per
// batch), and reports posts/s, chunks/s, peak memory and the share of wall time spent in the encoder.
//
//   dotnet run -c Release --project bench/IndexBench -- [--posts 5000] [--model builtin:minilm|builtin:arctic-xs]
//       [--precision fp32|bf16] [--out results.json]
using System.Globalization;
using System.Diagnostics;
using System.Text.Json;
using BlogSemanticIndex.Demo;
using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var posts = int.Parse(Arg("--posts") ?? "5000", CultureInfo.InvariantCulture);
var precision = Arg("--precision") ?? "fp32";
var model = Arg("--model") ?? "builtin:minilm";
var server = Environment.GetEnvironmentVariable("BSI_BENCH_PG") is { Length: > 0 } pg ? pg : "Host=127.0.0.1;Database=bsi_test;Username=bsi;Password=bsi";
var schema = $"bench_{Guid.NewGuid():N}"[..20];
var blog = Path.Combine(Path.GetTempPath(), $"{schema}.db");

var demo = DemoBlog.Create(blog, posts);
Console.WriteLine($"IndexBench: {demo.Posts} posts ({demo.Visible} visible), encoder {model} {precision}, {Environment.ProcessorCount} cores");

await using (var admin = IndexDataSource.Create(server))
{
    await using var create = admin.CreateCommand($"CREATE SCHEMA {schema}");
    await create.ExecuteNonQueryAsync();
}
var connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = $"{schema},public" }.ConnectionString;
try
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["IndexStore:ConnectionString"] = connectionString,
        ["Blog:Provider"] = "sqlite",
        ["Blog:ConnectionString"] = $"Data Source={blog}",
        ["Encoder:Model"] = model,
        ["Encoder:Device"] = "cpu",
        ["Encoder:Precision"] = precision,
    }).Build();
    await using var services = new ServiceCollection()
        .AddLogging()
        .AddKeywordIndex()
        .AddIndexingPipeline(configuration)
        .BuildServiceProvider();
    var dataSource = services.GetRequiredService<NpgsqlDataSource>();
    await new MigrationRunner(dataSource, new IndexStoreOptions().ResolveMigrationsPath()).MigrateAsync();
    var indexer = services.GetRequiredService<PostIndexer>();

    var progress = new Progress<IndexProgress>(p =>
    {
        if (p.PostsDone % 500 == 0 && p.PostsDone > 0)
        {
            Console.WriteLine($"  {p.PostsDone} posts, {p.ChunksWritten} chunks, {p.ChunksPerSecond:F1} chunks/s");
        }
    });
    var clock = Stopwatch.StartNew();
    var full = await indexer.RunOnceAsync(progress);
    var wall = clock.Elapsed;
    clock.Restart();
    var again = await indexer.RunOnceAsync();
    var noop = clock.Elapsed;

    var peakMiB = PeakResidentMiB();
    var result = new
    {
        posts = full.PostsWritten,
        chunks = full.ChunksWritten,
        embedded = full.ChunksEmbedded,
        wallSeconds = wall.TotalSeconds,
        postsPerSecond = full.PostsWritten / wall.TotalSeconds,
        chunksPerSecond = full.ChunksWritten / wall.TotalSeconds,
        embeddingSeconds = full.EmbeddingTime.TotalSeconds,
        embeddingShare = full.EmbeddingTime.TotalSeconds / wall.TotalSeconds,
        peakMiB,
        secondPollSeconds = noop.TotalSeconds,
        secondPollEmbedded = again.ChunksEmbedded,
        precision,
    };
    Console.WriteLine($"""
        full index: {result.posts} posts, {result.chunks} chunks in {result.wallSeconds:F1} s
          {result.postsPerSecond:F1} posts/s, {result.chunksPerSecond:F1} chunks/s
          embedding {result.embeddingSeconds:F1} s = {result.embeddingShare:P1} of wall time (target ≥ 85 %)
          peak RSS {result.peakMiB} MiB
        second poll (nothing changed): {result.secondPollSeconds:F2} s, {result.secondPollEmbedded} chunks embedded
        """);
    if (Arg("--out") is { } output)
    {
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    }
}
finally
{
    await using var admin = IndexDataSource.Create(server);
    await using var drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
    await drop.ExecuteNonQueryAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    File.Delete(blog);
}

// VmHWM: the most resident memory the process had.
static long PeakResidentMiB()
{
    var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
