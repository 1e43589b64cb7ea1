using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HdrHistogram;

namespace SoakBench;

/// <summary>Where in the run a search was sent: the fault events all fall in <see cref="During"/>.</summary>
internal enum Phase { WarmUp, Before, During, After }

/// <summary>A request that did not get a 200: its kind (status code, timeout, refused connection) and when it was sent.</summary>
internal sealed record SearchError(TimeSpan SentAt, string Kind);

/// <summary>
/// Closed-loop search clients (each sends a search, reads the answer, sends the next): the demo's labelled queries
/// and the tokens of the benchmark's own posts, in hybrid mode (both legs, fused), every answer checked by the
/// <see cref="Ledger"/>; and one prober, apart from the latency figures, that asks for the tokens of posts whose
/// appearance or removal is still unconfirmed, to measure the index's lag.
/// </summary>
/// <param name="searchTimeout">The server's Search:Timeout.</param>
internal sealed class SearchLoad(HttpClient http, Ledger ledger, IReadOnlyList<string> demoQueries, Func<TimeSpan, Phase> phaseAt, TimeSpan searchTimeout)
{
    private const long HighestMicroseconds = 60_000_000;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<SearchError> _errors = new();
    private readonly ConcurrentQueue<TimeSpan> _answeredAt = new();
    private readonly Dictionary<Phase, LongHistogram> _latency = Enum.GetValues<Phase>().ToDictionary(p => p, _ => new LongHistogram(HighestMicroseconds, 3));
    private long _degraded;

    /// <summary>Time since the load was created: the run's clock.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyCollection<SearchError> Errors => _errors;
    public long Degraded => Interlocked.Read(ref _degraded);

    public LongHistogram Latency(Phase phase) => _latency[phase];

    /// <summary>When the first 200 after <paramref name="after"/> was answered.</summary>
    public TimeSpan? FirstAnswerAfter(TimeSpan after) => _answeredAt.Where(t => t > after).Order().Cast<TimeSpan?>().FirstOrDefault();

    public Task RunClientsAsync(int clients, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => ClientAsync(new Random(i), stop), CancellationToken.None)));

    private async Task ClientAsync(Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var posts = ledger.Posts.Where(p => p.Token.Length > 0).ToList();
            var query = posts.Count > 0 && random.Next(5) < 2 ? posts[random.Next(posts.Count)].Token : demoQueries[random.Next(demoQueries.Count)];
            var sent = _clock.Elapsed;
            var sentAt = DateTimeOffset.UtcNow;
            var answer = await SearchAsync(query, "hybrid", 10);
            var took = _clock.Elapsed - sent;
            if (answer.Cids is { } cids)
            {
                ledger.Observe(cids, sentAt, DateTimeOffset.UtcNow);
                _answeredAt.Enqueue(_clock.Elapsed);
                if (answer.Degraded)
                {
                    Interlocked.Increment(ref _degraded);
                }
            }
            else
            {
                // The service answers 503 both when its database fails and when a search outruns Search:Timeout
                // (on a starved CPU too); the time taken tells them apart.
                var kind = answer.Error == "HTTP 503" && took >= searchTimeout - TimeSpan.FromMilliseconds(100)
                    ? $"HTTP 503 after the {searchTimeout.TotalSeconds:0.#} s search timeout" : answer.Error!;
                _errors.Enqueue(new SearchError(sent, kind));
                continue;
            }
            var histogram = _latency[phaseAt(sent)];
            lock (histogram)
            {
                histogram.RecordValue(Math.Min(HighestMicroseconds, (long)took.TotalMicroseconds));
            }
        }
    }

    /// <summary>Twice a second, one keyword search for every post whose appearance or removal is unconfirmed (at most 20).</summary>
    public async Task RunProberAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var pending = ledger.Posts
                .Where(p => p.Token.Length > 0 && (p.GoneAt is null ? p.FirstSeenAt is null : p.ConfirmedGoneAt is null && p.FirstSeenAt is not null))
                .OrderBy(p => p.CreatedAt).Take(20).ToList();
            if (pending.Count > 0)
            {
                var sentAt = DateTimeOffset.UtcNow;
                var answer = await SearchAsync(string.Join(' ', pending.Select(p => p.Token)), "keyword", 50);
                if (answer.Cids is { } cids)
                {
                    var answeredAt = DateTimeOffset.UtcNow;
                    ledger.Observe(cids, sentAt, answeredAt);
                    foreach (var post in pending.Where(p => p.GoneAt is { } gone && gone < sentAt && !cids.Contains(p.Cid)))
                    {
                        lock (post)
                        {
                            post.ConfirmedGoneAt ??= answeredAt;
                        }
                    }
                }
            }
            await Task.Delay(500, CancellationToken.None);
        }
    }

    private sealed record Answer(IReadOnlyCollection<long>? Cids, bool Degraded, string? Error);

    private async Task<Answer> SearchAsync(string query, string mode, int pageSize)
    {
        try
        {
            using var response = await http.GetAsync($"/search?q={Uri.EscapeDataString(query)}&mode={mode}&pageSize={pageSize}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new Answer(null, false, $"HTTP {(int)response.StatusCode}");
            }
            using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            var cids = body.RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("cid").GetInt64()).ToHashSet();
            var degraded = body.RootElement.TryGetProperty("warnings", out var warnings) && warnings.ValueKind == JsonValueKind.Array && warnings.GetArrayLength() > 0;
            return new Answer(cids, degraded, null);
        }
        catch (TaskCanceledException)
        {
            return new Answer(null, false, "client timeout");
        }
        catch (HttpRequestException e)
        {
            return new Answer(null, false, e.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection refused",
                HttpRequestError.ResponseEnded => "connection closed mid-answer",
                _ => $"transport: {e.HttpRequestError}",
            });
        }
    }
}
