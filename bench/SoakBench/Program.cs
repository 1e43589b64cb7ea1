// Soak and fault benchmark: searches at 8 clients against a real `bsi serve` for N minutes while the SQLite Typecho
// blog changes every second (a post created, one edited, one hidden or deleted), with one whitening refit, one
// index-database restart and one blog-file replacement in the middle. Prints errors by kind (inside and outside the
// restart window), p99 before/during/after, the index's lag, leaks, and the server's RSS over time.
//
//   dotnet run -c Release --project bench/SoakBench [-- --minutes 30 | --smoke]
//
// The index database is a PostgreSQL cluster of its own (PrivatePostgres.cs), never the shared server others'
// tests use; everything it creates is removed at the end. Exits 1 on a leak or an error outside the restart window.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using BlogSemanticIndex.Demo;
using HdrHistogram;
using SoakBench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var duration = TimeSpan.FromMinutes(args.Contains("--smoke") ? 2 : double.Parse(Arg("--minutes") ?? "30", CultureInfo.InvariantCulture));
var clients = int.Parse(Arg("--clients") ?? "8", CultureInfo.InvariantCulture);
var pollInterval = TimeSpan.FromSeconds(double.Parse(Arg("--poll-interval") ?? "5", CultureInfo.InvariantCulture));
var outage = TimeSpan.FromSeconds(double.Parse(Arg("--outage") ?? "5", CultureInfo.InvariantCulture));
var demoPosts = int.Parse(Arg("--posts") ?? "300", CultureInfo.InvariantCulture);
var pgBin = Arg("--pg-bin") ?? "/usr/lib/postgresql/15/bin";
// Searches before this are left out of the figures: the first ones load code and fill the caches.
var warmUp = TimeSpan.FromSeconds(Math.Min(60, duration.TotalSeconds * 0.15));
var (refitAt, restartAt, replaceAt, faultsOver) = (duration * 0.35, duration * 0.5, duration * 0.65, duration * 0.75);
var lagAllowance = pollInterval + TimeSpan.FromSeconds(5);
var searchTimeout = TimeSpan.FromSeconds(2);

Console.WriteLine($"SoakBench: {duration.TotalMinutes:0.#} min, {clients} clients, poll every {pollInterval.TotalSeconds:0.#} s, " +
    $"{Environment.ProcessorCount} cores ({CpuModel()}), {MemoryGiB():F0} GiB, load average {LoadAverage()}");

await using var postgres = await PrivatePostgres.CreateAsync(pgBin);
var folder = Directory.CreateTempSubdirectory("bsi-soak-").FullName;
var blogPath = Path.Combine(folder, "blog.db");
var blog = DemoBlog.Create(blogPath, demoPosts);
var ledger = new Ledger(lagAllowance);
var changes = new BlogChanges(blogPath, ledger);
var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
Console.WriteLine($"Private PostgreSQL up; demo blog of {blog.Posts} posts ({blog.Visible} visible) at {blogPath}");

int exitCode;
await using (var bsi = await BsiServer.StartAsync(new Dictionary<string, string>
{
    ["IndexStore:ConnectionString"] = postgres.ConnectionString,
    ["Blog:Provider"] = "sqlite",
    ["Blog:ConnectionString"] = $"Data Source={blogPath}",
    ["Indexer:PollInterval"] = pollInterval.ToString("c"),
    ["Encoder:Device"] = "cpu",
    ["Admin:Token"] = token,
    // Every client of the benchmark is 127.0.0.1; the per-address limit (600/min by default) would answer 429s.
    ["Search:RateLimitPerMinute"] = "0",
    ["Search:Timeout"] = searchTimeout.ToString("c"),
}, TimeSpan.FromMinutes(5)))
{
    using var http = new HttpClient { BaseAddress = bsi.Address, Timeout = TimeSpan.FromSeconds(10) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    var indexedIn = Stopwatch.StartNew();
    await WaitForIndexAsync(http, blog.Visible, TimeSpan.FromMinutes(10));
    Console.WriteLine($"bsi serve (pid {bsi.ProcessId}) indexed the {blog.Visible} visible posts in {indexedIn.Elapsed.TotalSeconds:F0} s; load average {LoadAverage()}");

    var load = new SearchLoad(http, ledger, [.. blog.Queries.Select(q => q.Query)], t =>
        t < warmUp ? Phase.WarmUp : t < refitAt ? Phase.Before : t < faultsOver ? Phase.During : Phase.After, searchTimeout);
    using var stop = new CancellationTokenSource(duration);
    var rss = new List<(TimeSpan At, double MiB)>();
    var managed = new List<(TimeSpan At, double MiB)>();
    var events = new List<string>();
    var writeFailures = 0;
    TimeSpan stoppedAt = default, startedAt = default;
    Task Until(TimeSpan at) => Task.Delay(at > load.Elapsed ? at - load.Elapsed : TimeSpan.Zero);

    var running = new List<Task>
    {
        load.RunClientsAsync(clients, stop.Token),
        load.RunProberAsync(stop.Token),
        Every(TimeSpan.FromSeconds(1), () =>
        {
            try
            {
                changes.Round();
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                writeFailures++;
                Console.WriteLine($"  blog write failed: {e.Message}");
            }
            return Task.CompletedTask;
        }, stop.Token),
        Every(TimeSpan.FromSeconds(5), async () =>
        {
            rss.Add((load.Elapsed, ResidentMiB(bsi.ProcessId)));
            if (await ManagedHeapMiBAsync(http) is { } heap)
            {
                managed.Add((load.Elapsed, heap));
            }
        }, stop.Token),
        Task.Run(async () =>
        {
            await Until(refitAt);
            using var refit = await http.PostAsync("/admin/whitening/refit", JsonContent("{}"));
            events.Add($"{load.Elapsed.TotalSeconds,6:F0} s  whitening refit queued: HTTP {(int)refit.StatusCode}");
            await Until(restartAt);
            stoppedAt = load.Elapsed;
            ledger.OutageStarted();
            await postgres.StopAsync();
            events.Add($"{load.Elapsed.TotalSeconds,6:F0} s  index database stopped (pg_ctl stop -m fast)");
            await Task.Delay(outage);
            await postgres.StartAsync();
            ledger.OutageOver();
            startedAt = load.Elapsed;
            events.Add($"{load.Elapsed.TotalSeconds,6:F0} s  index database started again");
            await Until(replaceAt);
            var hidden = changes.ReplaceFile(hide: 5);
            events.Add($"{load.Elapsed.TotalSeconds,6:F0} s  blog file replaced by a copy with {hidden} more posts private");
        }),
    };
    await Task.WhenAll(running);
    using var status = JsonDocument.Parse(await http.GetStringAsync("/admin/status"));
    var index = status.RootElement.GetProperty("index");

    // The restart window: searches in flight when the database stopped (sent up to a search timeout before), until
    // searches answer again, plus 2 s for the clients already waiting.
    var windowStart = stoppedAt - searchTimeout;
    var windowEnd = (load.FirstAnswerAfter(startedAt) ?? load.Elapsed) + TimeSpan.FromSeconds(2);
    bool InWindow(TimeSpan t) => t >= windowStart && t <= windowEnd;

    Console.WriteLine();
    Console.WriteLine($"Events (load average at the end {LoadAverage()}):");
    events.ForEach(e => Console.WriteLine(e));
    Console.WriteLine($"Restart window (searches sent from one search timeout before the stop until answers resume): " +
        $"{windowStart.TotalSeconds:F0}–{windowEnd.TotalSeconds:F0} s ({(windowEnd - windowStart).TotalSeconds:F1} s, database down {outage.TotalSeconds:F0} s)");
    Console.WriteLine($"Blog changes: {changes.Created} created, {changes.Edited} edited, {changes.Hidden} hidden, {changes.Deleted} deleted, {writeFailures} failed writes; " +
        $"index at the end: {index.GetProperty("posts")} posts, whitening version {index.GetProperty("activeWhiteningVersion")}, last error {index.GetProperty("lastError")}");

    Console.WriteLine();
    Console.WriteLine("| phase | searches | p50 ms | p99 ms | max ms |");
    Console.WriteLine("| --- | --: | --: | --: | --: |");
    foreach (var phase in new[] { Phase.Before, Phase.During, Phase.After })
    {
        var h = load.Latency(phase);
        Console.WriteLine($"| {phase.ToString().ToLowerInvariant()} | {h.TotalCount} | {Ms(h, 50)} | {Ms(h, 99)} | {h.GetMaxValue() / 1000.0:F1} |");
    }
    Console.WriteLine($"Degraded answers (a leg left out, 200 with a warning): {load.Degraded}");

    Console.WriteLine();
    Console.WriteLine("| error | in the restart window | outside it |");
    Console.WriteLine("| --- | --: | --: |");
    var errors = load.Errors.Where(e => e.SentAt >= warmUp).ToList();
    foreach (var kind in errors.GroupBy(e => e.Kind).OrderBy(g => g.Key))
    {
        Console.WriteLine($"| {kind.Key} | {kind.Count(e => InWindow(e.SentAt))} | {kind.Count(e => !InWindow(e.SentAt))} |");
    }
    var outside = errors.Count(e => !InWindow(e.SentAt));
    Console.WriteLine($"Errors outside the restart window: {outside} (target 0){(errors.Count == 0 ? "; none at all" : "")}");
    foreach (var second in errors.Where(e => !InWindow(e.SentAt)).GroupBy(e => (int)e.SentAt.TotalSeconds).Take(10))
    {
        Console.WriteLine($"  at {second.Key} s: {string.Join(", ", second.GroupBy(e => e.Kind).Select(k => $"{k.Count()} × {k.Key}"))}");
    }

    Console.WriteLine();
    var startOfRun = DateTimeOffset.UtcNow - load.Elapsed;
    bool CreatedInWindow(DateTimeOffset at) => InWindow(at - startOfRun) || InWindow(at - startOfRun + lagAllowance);
    var posts = ledger.Posts.Where(p => p.Token.Length > 0).ToList();
    var appear = posts.Where(p => p.FirstSeenAt is not null && !CreatedInWindow(p.CreatedAt)).Select(p => (p.FirstSeenAt!.Value - p.CreatedAt).TotalSeconds).ToList();
    var removal = posts.Where(p => p.ConfirmedGoneAt is not null && !CreatedInWindow(p.GoneAt!.Value)).Select(p => (p.ConfirmedGoneAt!.Value - p.GoneAt!.Value).TotalSeconds).ToList();
    var neverSeen = posts.Count(p => p.FirstSeenAt is null && p.GoneAt is null && DateTimeOffset.UtcNow - p.CreatedAt > lagAllowance);
    var neverRemoved = posts.Count(p => p.FirstSeenAt is not null && p.GoneAt is { } g && p.ConfirmedGoneAt is null && DateTimeOffset.UtcNow - g > lagAllowance);
    Console.WriteLine($"Index lag (target ≤ poll interval + 5 s = {lagAllowance.TotalSeconds:F0} s; posts changed in the restart window left out):");
    Console.WriteLine("| change | posts | p50 s | p99 s | max s | over target |");
    Console.WriteLine("| --- | --: | --: | --: | --: | --: |");
    Console.WriteLine(LagRow("created → found", appear, lagAllowance));
    Console.WriteLine(LagRow("hidden/deleted → gone", removal, lagAllowance));
    Console.WriteLine($"Posts older than the target never found: {neverSeen}; gone posts never confirmed gone: {neverRemoved}");
    var leaked = ledger.Leaks.GroupBy(l => l.Cid).Select(g => g.MaxBy(l => l.After)!).OrderBy(l => l.GoneAt).ToList();
    Console.WriteLine($"Leaks (a hidden or deleted post returned later than the lag target after it went, or after the outage it went in): " +
        $"{leaked.Count} posts in {ledger.Leaks.Count} answers (target 0); hits on posts gone for less than the target (polling's staleness): {ledger.StaleWithinAllowance}");
    foreach (var leak in leaked.Take(10))
    {
        Console.WriteLine($"  cid {leak.Cid}, {leak.How} at {(leak.GoneAt - startOfRun).TotalSeconds:F0} s, returned until {leak.After.TotalSeconds:F1} s after");
    }
    Console.WriteLine();
    var measured = rss.Where(s => s.At >= warmUp).ToList();
    Console.WriteLine($"RSS of bsi serve (MiB), every tenth of the run: {Tenths(rss)}; managed heap (MiB): {Tenths(managed)}");
    Console.WriteLine($"RSS trend after warm-up: {Slope(measured):+0.0;-0.0} MiB/min over {measured.Count} samples; after the faults: " +
        $"{Slope(measured.Where(s => s.At >= faultsOver).ToList()):+0.0;-0.0} MiB/min; managed heap after the faults: " +
        $"{Slope(managed.Where(s => s.At >= faultsOver).ToList()):+0.0;-0.0} MiB/min");
    exitCode = leaked.Count > 0 || outside > 0 ? 1 : 0;
}
Directory.Delete(folder, recursive: true);
return exitCode;

string Tenths(List<(TimeSpan At, double MiB)> samples) => samples.Count == 0 ? "none" :
    string.Join(", ", Enumerable.Range(0, 11).Select(i => samples.MinBy(s => Math.Abs((s.At - duration * (i / 10.0)).TotalSeconds)).MiB.ToString("F0", CultureInfo.InvariantCulture)));

// The server's own figure (prometheus-net's dotnet_total_memory_bytes); null while /metrics cannot answer.
static async Task<double?> ManagedHeapMiBAsync(HttpClient http)
{
    try
    {
        var line = (await http.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) / 1024 / 1024;
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        return null;
    }
}

async Task WaitForIndexAsync(HttpClient http, int posts, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    while (true)
    {
        using var status = JsonDocument.Parse(await http.GetStringAsync("/admin/status"));
        if (status.RootElement.GetProperty("index").GetProperty("posts").GetInt64() >= posts)
        {
            return;
        }
        if (deadline.Elapsed > timeout)
        {
            throw new TimeoutException($"the blog was not indexed after {timeout.TotalMinutes:F0} min: {status.RootElement}");
        }
        await Task.Delay(1000);
    }
}

static async Task Every(TimeSpan interval, Func<Task> action, CancellationToken stop)
{
    using var timer = new PeriodicTimer(interval);
    try
    {
        while (await timer.WaitForNextTickAsync(stop))
        {
            await action();
        }
    }
    catch (OperationCanceledException)
    {
        // The run is over.
    }
}

static string LagRow(string what, List<double> seconds, TimeSpan target)
{
    if (seconds.Count == 0)
    {
        return $"| {what} | 0 | | | | |";
    }
    seconds.Sort();
    double At(double p) => seconds[Math.Min(seconds.Count - 1, (int)Math.Ceiling(p * seconds.Count) - 1)];
    return $"| {what} | {seconds.Count} | {At(0.5):F1} | {At(0.99):F1} | {seconds[^1]:F1} | {seconds.Count(s => s > target.TotalSeconds)} |";
}

static string Ms(HistogramBase histogram, double percentile) =>
    histogram.TotalCount == 0 ? "" : (histogram.GetValueAtPercentile(percentile) / 1000.0).ToString("F1", CultureInfo.InvariantCulture);

// Least-squares slope of RSS over time, in MiB per minute.
static double Slope(List<(TimeSpan At, double MiB)> samples)
{
    if (samples.Count < 2)
    {
        return 0;
    }
    var meanT = samples.Average(s => s.At.TotalMinutes);
    var meanM = samples.Average(s => s.MiB);
    var covariance = samples.Sum(s => (s.At.TotalMinutes - meanT) * (s.MiB - meanM));
    var variance = samples.Sum(s => Math.Pow(s.At.TotalMinutes - meanT, 2));
    return variance == 0 ? 0 : covariance / variance;
}

static double ResidentMiB(int pid) =>
    double.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;

static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static double MemoryGiB() =>
    double.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024 / 1024;

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
