using System.Diagnostics;
using HdrHistogram;

namespace LoadBench;

/// <summary>
/// What one run measured. Latency is the client's: from sending the request to having read the whole body.
/// CPU milliseconds per request split the machine's work between the server process (HTTP, query embedding,
/// ranking, snippets), the PostgreSQL backends serving it, and this process (the load generator).
/// </summary>
internal sealed record LoadResult(
    string Mode,
    int Clients,
    long Requests,
    double Seconds,
    LongHistogram Microseconds,
    long Errors,
    string? FirstError,
    long Degraded,
    long Empty,
    double ServerCpuMsPerRequest,
    double PostgresCpuMsPerRequest,
    double ClientCpuMsPerRequest,
    double MachineBusy)
{
    public double PerSecond => Requests / Seconds;

    public double Percentile(double percentile) => Microseconds.GetValueAtPercentile(percentile) / 1000.0;

    public double MaxMs => Microseconds.GetMaxValue() / 1000.0;
}

/// <summary>
/// Closed-loop clients: each sends a request, reads the whole answer, and sends the next, for a warm-up
/// and then a measured window; every request carries the pool's next query, so no two requests of a run
/// repeat a query until the pool is used up. Latency under saturation, not an open-loop arrival rate.
/// </summary>
/// <param name="backends">The process ids of the PostgreSQL backends serving the server.</param>
internal sealed class LoadRunner(HttpClient http, IReadOnlyList<string> queries, Func<TimeSpan> serverCpu, Func<IReadOnlyCollection<int>> backends)
{
    private const long HighestMicroseconds = 60_000_000;

    private long _next;

    /// <summary>Queries sent so far over all runs (the pool wraps around after <c>queries.Count</c>).</summary>
    public long Sent => Interlocked.Read(ref _next);

    public async Task<LoadResult> RunAsync(string mode, int clients, TimeSpan warmUp, TimeSpan duration)
    {
        var started = Stopwatch.GetTimestamp();
        var measureFrom = started + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        CpuSnapshot? before = null;
        var warmUpOver = Task.Delay(warmUp).ContinueWith(_ => before = CpuSnapshot.Take(serverCpu, backends), TaskScheduler.Default);
        var loops = Enumerable.Range(0, clients).Select(_ => Task.Run(() => ClientAsync(mode, measureFrom, measureUntil))).ToArray();
        await Task.Delay(warmUp + duration);
        var after = CpuSnapshot.Take(serverCpu, backends);
        var results = await Task.WhenAll(loops);
        await warmUpOver;

        var histogram = new LongHistogram(HighestMicroseconds, 3);
        foreach (var result in results)
        {
            histogram.Add(result.Histogram);
        }
        var requests = histogram.TotalCount;
        var seconds = duration.TotalSeconds;
        var cpu = after.Minus(before!);
        return new LoadResult(mode, clients, requests, seconds, histogram,
            results.Sum(r => r.Errors), results.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
            results.Sum(r => r.Degraded), results.Sum(r => r.Empty),
            cpu.Server.TotalMilliseconds / requests, cpu.Postgres.TotalMilliseconds / requests, cpu.Client.TotalMilliseconds / requests,
            cpu.MachineBusy);
    }

    private sealed record ClientResult(LongHistogram Histogram, long Errors, string? FirstError, long Degraded, long Empty);

    private async Task<ClientResult> ClientAsync(string mode, long measureFrom, long measureUntil)
    {
        var histogram = new LongHistogram(HighestMicroseconds, 3);
        long errors = 0, degraded = 0, empty = 0;
        string? firstError = null;
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= measureUntil)
            {
                break;
            }
            var query = queries[(int)(Interlocked.Increment(ref _next) % queries.Count)];
            var url = $"/search?q={Uri.EscapeDataString(query)}&mode={mode}";
            string? error = null;
            var body = "";
            try
            {
                using var response = await http.GetAsync(url);
                body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    error = $"{(int)response.StatusCode} for \"{query}\": {body[..Math.Min(body.Length, 300)]}";
                }
            }
            catch (HttpRequestException e)
            {
                error = $"{e.Message} for \"{query}\"";
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (start < measureFrom)
            {
                continue;
            }
            histogram.RecordValue(Math.Min(HighestMicroseconds, (long)(elapsed.Ticks / 10)));
            if (error is not null)
            {
                errors++;
                firstError ??= error;
            }
            else if (body.Contains("\"warnings\":[", StringComparison.Ordinal))
            {
                // Hybrid answered from one leg only (the other failed): a 200, but not the search being measured.
                degraded++;
            }
            else if (body.Contains("\"hits\":[]", StringComparison.Ordinal))
            {
                empty++;
            }
        }
        return new ClientResult(histogram, errors, firstError, degraded, empty);
    }
}

/// <summary>
/// CPU time used so far: by the server, by each PostgreSQL backend serving it, by this process, and by the whole machine.
/// </summary>
internal sealed record CpuSnapshot(TimeSpan Server, IReadOnlyDictionary<int, TimeSpan> Backends, TimeSpan Client, long MachineBusyTicks, long MachineTotalTicks)
{
    public static CpuSnapshot Take(Func<TimeSpan> serverCpu, Func<IReadOnlyCollection<int>> backends)
    {
        var (busy, total) = MachineTicks();
        return new CpuSnapshot(serverCpu(), backends().ToDictionary(pid => pid, ProcessCpu), Process.GetCurrentProcess().TotalProcessorTime, busy, total);
    }

    /// <summary>What was used between <paramref name="earlier"/> and this snapshot.</summary>
    /// <remarks>
    /// Per backend, so that other users of the same PostgreSQL server do not count; a backend that opened in
    /// between counts from its start, one that closed in between is lost (the server's pool keeps its connections).
    /// </remarks>
    public CpuUse Minus(CpuSnapshot earlier) =>
        new(Server - earlier.Server,
            Backends.Aggregate(TimeSpan.Zero, (sum, b) => sum + b.Value - earlier.Backends.GetValueOrDefault(b.Key)),
            Client - earlier.Client,
            (double)(MachineBusyTicks - earlier.MachineBusyTicks) / Math.Max(1, MachineTotalTicks - earlier.MachineTotalTicks));

    /// <summary>The first line of /proc/stat: busy (all but idle and iowait) and total jiffies of all cores.</summary>
    private static (long Busy, long Total) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4], total);
    }

    /// <summary>utime + stime of a process (zero once it has ended).</summary>
    private static TimeSpan ProcessCpu(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may contain spaces: utime and stime are the 12th and 13th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Linux reports them in clock ticks of 1/100 s (USER_HZ).
            return TimeSpan.FromMilliseconds((long.Parse(fields[11]) + long.Parse(fields[12])) * 10);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }
}

internal sealed record CpuUse(TimeSpan Server, TimeSpan Postgres, TimeSpan Client, double MachineBusy);
