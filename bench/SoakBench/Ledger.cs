using System.Collections.Concurrent;

namespace SoakBench;

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
    private readonly ConcurrentQueue<string> _leaks = new();
    private long _staleWithinAllowance;

    public TimeSpan LagAllowance => lagAllowance;

    public long StaleWithinAllowance => Interlocked.Read(ref _staleWithinAllowance);

    public IReadOnlyCollection<string> Leaks => _leaks;

    public void Add(TrackedPost post) => _posts[post.Cid] = post;

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
                else if (sentAt - gone > lagAllowance)
                {
                    _leaks.Enqueue($"cid {cid} ({post.GoneHow}) returned {(sentAt - gone).TotalSeconds:F1} s after it went");
                }
                else
                {
                    Interlocked.Increment(ref _staleWithinAllowance);
                }
            }
        }
    }
}
