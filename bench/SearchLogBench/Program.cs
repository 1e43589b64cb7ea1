// What the search log adds to a search, measured side by side in one run on a fresh schema:
// (a) ours: SearchLog.Record (enqueue) while SearchLogWriter copies batches into search_log;
// (b) reference: the same entry written by a synchronous single-row INSERT, as a log on the request path would.
// Then the writer's sustained rows/s. Usage: dotnet run -c Release --project bench/SearchLogBench [-- --searches 20000]
using System.Globalization;
using System.Diagnostics;
using BlogSemanticIndex.Analytics;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

var searches = args.Length == 2 && args[0] == "--searches" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
var server = Environment.GetEnvironmentVariable("BSI_TEST_PG") is { Length: > 0 } pg ? pg
    : "Host=127.0.0.1;Port=5432;Database=bsi_test;Username=bsi;Password=bsi";
var schema = $"bench_log_{Guid.NewGuid():N}"[..24];
await using var admin = IndexDataSource.Create(server);
await admin.CreateCommand($"CREATE SCHEMA {schema}").ExecuteNonQueryAsync();
try
{
    await using var dataSource = IndexDataSource.Create(new NpgsqlConnectionStringBuilder(server) { SearchPath = $"{schema},public" }.ConnectionString);
    await new MigrationRunner(dataSource, new IndexStoreOptions().ResolveMigrationsPath()).MigrateAsync();
    string[] queries = ["新词发现", "kubernetes ingress", "ERR_CONN_4402", "how to bake sourdough bread", "C++ templates", "右左熵 算法"];
    SearchLogEntry Entry(int i) => new(DateTimeOffset.UtcNow, queries[i % queries.Length], "hybrid", i % 7, 40 + i % 50, SearchOutcomes.Ok);

    // (b) first at a tenth of the count: each call is a round trip.
    var reference = new double[Math.Max(searches / 10, 100)];
    for (var i = 0; i < reference.Length; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await using var insert = dataSource.CreateCommand(
            "INSERT INTO search_log (at, query, mode, total, latency_ms, outcome) VALUES ($1, $2, $3, $4, $5, $6)");
        var e = Entry(i);
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = e.At });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Query });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Mode });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.Total!.Value });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.LatencyMs!.Value });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Outcome });
        await insert.ExecuteNonQueryAsync();
        reference[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
    }

    // (a) the product's path.
    // A queue as long as the run, so the writer's throughput is measured rather than the drops of a burst.
    var log = new SearchLog(new AnalyticsOptions { QueueCapacity = searches });
    using var writer = new SearchLogWriter(log, dataSource, NullLogger<SearchLogWriter>.Instance, TimeProvider.System);
    await writer.StartAsync(CancellationToken.None);
    var ours = new double[searches];
    var all = Stopwatch.StartNew();
    for (var i = 0; i < searches; i++)
    {
        var started = Stopwatch.GetTimestamp();
        log.Record(Entry(i));
        ours[i] = (Stopwatch.GetTimestamp() - started) * 1e6 / Stopwatch.Frequency; // µs at the timer's own resolution
    }
    await writer.StopAsync(CancellationToken.None); // drains the queue
    var drained = all.Elapsed;
    await using var count = dataSource.CreateCommand("SELECT count(*) FROM search_log");
    var rows = (long)(await count.ExecuteScalarAsync())! - reference.Length;

    static double Percentile(double[] values, double p) => values.Order().ElementAt((int)Math.Min(values.Length - 1, Math.Ceiling(p * values.Length) - 1));
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
    Console.WriteLine($"| path | searches | p50 µs | p99 µs | max µs |");
    Console.WriteLine($"| --- | --: | --: | --: | --: |");
    Console.WriteLine($"| (a) SearchLog.Record, writer running | {searches} | {Percentile(ours, 0.5):F3} | {Percentile(ours, 0.99):F3} | {ours.Max():F0} |");
    Console.WriteLine($"| (b) INSERT per search | {reference.Length} | {Percentile(reference, 0.5):F0} | {Percentile(reference, 0.99):F0} | {reference.Max():F0} |");
    Console.WriteLine($"p50 ratio b/a: {Percentile(reference, 0.5) / Math.Max(Percentile(ours, 0.5), 1e-3):F0}x; timer resolution {1e6 / Stopwatch.Frequency:F3} µs");
    Console.WriteLine($"writer: {rows} of {searches} rows in {drained.TotalSeconds:F2} s from the first Record to the drained queue ({rows / drained.TotalSeconds:F0} rows/s); dropped {log.Dropped}");
}
finally
{
    await admin.CreateCommand($"DROP SCHEMA {schema} CASCADE").ExecuteNonQueryAsync();
}
