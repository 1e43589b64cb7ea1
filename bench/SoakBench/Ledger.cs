using System.Collections.Concurrent;

namespace SoakBench;

/// <summary>A hidden or deleted post returned after its lag allowance.</summary>
internal sealed record Leak(long Cid, string How, DateTimeOffset GoneAt, TimeSpan After);

/// <summary>A post the benchmark watches: one it wrote, or one the demo blog hid from the start.</summary>
internal sealed class TrackedPost(long cid, string token, DateTimeOffset createdAt)
{
    public long Cid { get; } = cid;

    /// <summary>A made-up word only this post contains, so a keyword search finds it and nothing else.</summary>
    public string Token { get; } = token;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>When a visitor stopped being able to see it (hidden, deleted, or hidden in a replaced file).</summary>
    public DateTimeOffset? GoneAt { get; set; }

    public string? GoneHow { get; set; }

    /// <summary>When a search first returned it while visible.</summary>
    public DateTimeOffset? FirstSeenAt { get; set; }

    /// <summary>When a probe after <see cref="GoneAt"/> first no longer returned it.</summary>
    public DateTimeOffset? ConfirmedGoneAt { get; set; }
}

/// <summary>
/// Every search's answer checked against what the blog showed when the search started. A post returned after it was
/// hidden or deleted is a leak once the index has had its lag allowance to notice (poll interval + 5 s); before that
/// it is counted apart, as the staleness polling implies.
/// </summary>
internal sealed class Ledger(TimeSpan lagAllowance)
{
    private readonly ConcurrentDictionary<long, TrackedPost> _posts = new();
    private readonly ConcurrentQueue<Leak> _leaks = new();
    private long _staleWithinAllowance;
    private DateTimeOffset? _outageFrom;
    private DateTimeOffset _outageUntil = DateTimeOffset.MaxValue;

    public TimeSpan LagAllowance => lagAllowance;

    public long StaleWithinAllowance => Interlocked.Read(ref _staleWithinAllowance);

    public IReadOnlyCollection<Leak> Leaks => _leaks;

    public void Add(TrackedPost post) => _posts[post.Cid] = post;

    /// <summary>
    /// The index database is down from now: the index cannot follow the blog until <see cref="OutageOver"/>, so a post
    /// that goes meanwhile (or shortly before) has its allowance counted from the end of the outage.
    /// </summary>
    public void OutageStarted() => _outageFrom = DateTimeOffset.UtcNow;

    public void OutageOver() => _outageUntil = DateTimeOffset.UtcNow;

    private DateTimeOffset AllowanceStart(DateTimeOffset gone) =>
        _outageFrom is { } from && gone >= from - lagAllowance && gone <= _outageUntil ? _outageUntil : gone;

    public IReadOnlyList<TrackedPost> Posts => [.. _posts.Values];

    /// <param name="cids">What a search returned.</param>
    /// <param name="sentAt">When it was sent: a post gone after that may rightly be in the answer.</param>
    public void Observe(IEnumerable<long> cids, DateTimeOffset sentAt, DateTimeOffset answeredAt)
    {
        foreach (var cid in cids)
        {
            if (!_posts.TryGetValue(cid, out var post))
            {
                continue;
            }
            lock (post)
            {
                if (post.GoneAt is not { } gone || gone > sentAt)
                {
                    post.FirstSeenAt ??= answeredAt;
                }
                else if (AllowanceStart(gone) is var from && from < sentAt && sentAt - from > lagAllowance)
                {
                    _leaks.Enqueue(new Leak(cid, post.GoneHow!, gone, sentAt - gone));
                }
                else
                {
                    Interlocked.Increment(ref _staleWithinAllowance);
                }
            }
        }
    }
}
