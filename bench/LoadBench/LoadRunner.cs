using System.Globalization;
using System.Diagnostics;
using HdrHistogram;

namespace LoadBench;

/// <summary>
/// What one run measured. Latency is the client's: from sending the request to having read the whole answer.
/// CPU milliseconds per request split the machine's work between the server process (HTTP, query embedding,
/// ranking, snippets), the PostgreSQL backends serving it, and this process (the load generator, or for a
/// reference row the engine itself).
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
    double MachineBusy,
    double MachineStolen)
{
    public double PerSecond => Requests / Seconds;

    public double Percentile(double percentile) => Microseconds.GetValueAtPercentile(percentile) / 1000.0;

    public double MaxMs => Microseconds.GetMaxValue() / 1000.0;
}

/// <summary>How one request ended.</summary>
internal readonly record struct Outcome(string? Error = null, bool Degraded = false, bool Empty = false)
{
    public static Outcome Ok => default;
}

/// <summary>
/// Closed-loop clients: each sends a request, waits for the whole answer, and sends the next, for a warm-up and then
/// a measured window. Latency under saturation, not an open-loop arrival rate.
/// </summary>
/// <param name="serverCpu">CPU time of the server process so far (zero for reference rows, which run in this process).</param>
/// <param name="backends">The process ids of the PostgreSQL backends serving the run.</param>
internal sealed class LoadRunner(Func<TimeSpan> serverCpu, Func<IReadOnlyCollection<int>> backends)
{
    private const long HighestMicroseconds = 60_000_000;

    /// <param name="request">One request; safe to call from <paramref name="clients"/> loops at once.</param>
    public async Task<LoadResult> RunAsync(string name, int clients, TimeSpan warmUp, TimeSpan duration, Func<Task<Outcome>> request)
    {
        var started = Stopwatch.GetTimestamp();
        var measureFrom = started + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        // The window's CPU snapshots are taken on a thread of their own: requests that finish without yielding (the
        // in-process references) can keep every pool thread busy, and a timer's continuation would then run late.
        CpuSnapshot? before = null, after = null;
        var snapshots = new Thread(() =>
        {
            SleepUntil(measureFrom);
            before = CpuSnapshot.Take(serverCpu, backends);
            SleepUntil(measureUntil);
            after = CpuSnapshot.Take(serverCpu, backends);
        }) { IsBackground = true, Name = "load window CPU" };
        snapshots.Start();
        var loops = Enumerable.Range(0, clients).Select(_ => Task.Run(() => ClientAsync(request, measureFrom, measureUntil))).ToArray();
        var results = await Task.WhenAll(loops);
        snapshots.Join();

        var histogram = new LongHistogram(HighestMicroseconds, 3);
        foreach (var result in results)
        {
            histogram.Add(result.Histogram);
        }
        var requests = histogram.TotalCount;
        var cpu = after!.Minus(before!);
        return new LoadResult(name, clients, requests, duration.TotalSeconds, histogram,
            results.Sum(r => r.Errors), results.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
            results.Sum(r => r.Degraded), results.Sum(r => r.Empty),
            cpu.Server.TotalMilliseconds / requests, cpu.Postgres.TotalMilliseconds / requests, cpu.Client.TotalMilliseconds / requests,
            cpu.MachineBusy, cpu.MachineStolen);
    }

    private static void SleepUntil(long timestamp)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (left > TimeSpan.Zero)
        {
            Thread.Sleep(left);
        }
    }

    private sealed record ClientResult(LongHistogram Histogram, long Errors, string? FirstError, long Degraded, long Empty);

    private static async Task<ClientResult> ClientAsync(Func<Task<Outcome>> request, long measureFrom, long measureUntil)
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
            Outcome outcome;
            try
            {
                outcome = await request();
            }
            catch (Exception e) when (e is HttpRequestException or Npgsql.NpgsqlException or InvalidOperationException)
            {
                outcome = new Outcome(e.Message);
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (start < measureFrom)
            {
                continue;
            }
            histogram.RecordValue(Math.Min(HighestMicroseconds, elapsed.Ticks / 10));
            if (outcome.Error is not null)
            {
                errors++;
                firstError ??= outcome.Error;
            }
            degraded += outcome.Degraded ? 1 : 0;
            empty += outcome.Empty ? 1 : 0;
        }
        return new ClientResult(histogram, errors, firstError, degraded, empty);
    }
}

/// <summary><c>GET /search</c> as a load request: the next query of a <see cref="QueryStream"/>, the whole body read.</summary>
internal sealed class SearchRequests(HttpClient http)
{
    public Func<Task<Outcome>> For(string mode, QueryStream queries) => async () =>
    {
        var query = queries.Next();
        using var response = await http.GetAsync($"/search?q={Uri.EscapeDataString(query)}&mode={mode}");
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            return new Outcome($"{(int)response.StatusCode} for \"{query}\": {body[..Math.Min(body.Length, 300)]}");
        }
        // A 200 with warnings: hybrid answered from one leg only (the other failed), not the search being measured.
        return new Outcome(Degraded: body.Contains("\"warnings\":[", StringComparison.Ordinal),
            Empty: body.Contains("\"hits\":[]", StringComparison.Ordinal));
    };
}

/// <summary>
/// The order queries are sent in: each in turn through the (shuffled) pool, so none repeats until the pool is used
/// up; or drawn by Zipf's law (s = 1: the query of rank r with probability ∝ 1/r), the shape of real search logs,
/// where a few queries are asked over and over.
/// </summary>
internal sealed class QueryStream
{
    private readonly IReadOnlyList<string> _pool;
    private readonly double[]? _cumulative;
    private long _next;

    private QueryStream(IReadOnlyList<string> pool, double[]? cumulative)
    {
        _pool = pool;
        _cumulative = cumulative;
    }

    /// <summary>Queries sent so far.</summary>
    public long Sent => Interlocked.Read(ref _next);

    /// <summary>The pool in order, starting over once it is spent.</summary>
    public static QueryStream Unique(IReadOnlyList<string> pool) => new(pool, null);

    /// <summary>Of the queries sent after the first <paramref name="sentBefore"/>, how many repeat an earlier one (a unique stream past its pool).</summary>
    public long RepeatedSince(long sentBefore) => Math.Max(0, Sent - Math.Max(sentBefore, _pool.Count));

    public static QueryStream Zipf(IReadOnlyList<string> pool, double s = 1)
    {
        var cumulative = new double[pool.Count];
        var sum = 0.0;
        for (var rank = 1; rank <= pool.Count; rank++)
        {
            sum += 1 / Math.Pow(rank, s);
            cumulative[rank - 1] = sum;
        }
        for (var i = 0; i < cumulative.Length; i++)
        {
            cumulative[i] /= sum;
        }
        return new QueryStream(pool, cumulative);
    }

    public string Next()
    {
        var n = Interlocked.Increment(ref _next);
        if (_cumulative is null)
        {
            return _pool[(int)(n % _pool.Count)];
        }
        var index = Array.BinarySearch(_cumulative, Random.Shared.NextDouble());
        return _pool[Math.Min(_pool.Count - 1, index < 0 ? ~index : index)];
    }

    /// <summary>How many distinct queries <paramref name="draws"/> Zipf draws would ask, on average (to print with the row).</summary>
    public double ExpectedDistinct(long draws)
    {
        if (_cumulative is null)
        {
            return Math.Min(draws, _pool.Count);
        }
        var expected = 0.0;
        var previous = 0.0;
        foreach (var c in _cumulative)
        {
            expected += 1 - Math.Pow(1 - (c - previous), draws);
            previous = c;
        }
        return expected;
    }
}

/// <summary>
/// CPU time used so far: by the server, by each PostgreSQL backend serving it, by this process, and by the whole machine.
/// </summary>
internal sealed record CpuSnapshot(TimeSpan Server, IReadOnlyDictionary<int, TimeSpan> Backends, TimeSpan Client, long MachineBusyTicks,
    long MachineStolenTicks, long MachineTotalTicks)
{
    public static CpuSnapshot Take(Func<TimeSpan> serverCpu, Func<IReadOnlyCollection<int>> backends)
    {
        var (busy, stolen, total) = MachineTicks();
        return new CpuSnapshot(serverCpu(), backends().ToDictionary(pid => pid, ProcessCpu), Process.GetCurrentProcess().TotalProcessorTime, busy, stolen, total);
    }

    /// <summary>What was used between <paramref name="earlier"/> and this snapshot.</summary>
    /// <remarks>
    /// Per backend, so that other users of the same PostgreSQL server do not count; a backend that opened in
    /// between counts from its start, one that closed in between is lost (the pools keep their connections).
    /// </remarks>
    public CpuUse Minus(CpuSnapshot earlier) =>
        new(Server - earlier.Server,
            Backends.Aggregate(TimeSpan.Zero, (sum, b) => sum + b.Value - earlier.Backends.GetValueOrDefault(b.Key)),
            Client - earlier.Client,
            (double)(MachineBusyTicks - earlier.MachineBusyTicks) / Math.Max(1, MachineTotalTicks - earlier.MachineTotalTicks),
            (double)(MachineStolenTicks - earlier.MachineStolenTicks) / Math.Max(1, MachineTotalTicks - earlier.MachineTotalTicks));

    /// <summary>
    /// The first line of /proc/stat: busy (all but idle, iowait and steal), stolen (the time the hypervisor gave this
    /// VM's cores to others: a noisy neighbour, which slows every row alike) and total jiffies of all cores.
    /// </summary>
    private static (long Busy, long Stolen, long Total) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4] - fields[7], fields[7], total);
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
            return TimeSpan.FromMilliseconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }
}

internal sealed record CpuUse(TimeSpan Server, TimeSpan Postgres, TimeSpan Client, double MachineBusy, double MachineStolen);
