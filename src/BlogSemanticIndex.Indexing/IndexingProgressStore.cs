namespace BlogSemanticIndex.Indexing;

/// <summary>One poll or reindex as <c>GET /admin/status</c> shows it.</summary>
/// <param name="Kind"><c>poll</c> or <c>reindex</c>.</param>
/// <param name="Request">For a reindex, what was asked.</param>
/// <param name="Progress">The latest progress report; null until the run reports.</param>
/// <param name="Result">Set when the run completed.</param>
/// <param name="Error">Set when the run failed or was cancelled.</param>
public sealed record IndexingActivity(
    string Kind,
    ReindexRequest? Request,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    IndexProgress? Progress,
    IndexRunResult? Result,
    string? Error)
{
    public bool Running => FinishedAt is null;
}

/// <summary>The latest poll and the latest reindex of this process, and how many of each it has started.</summary>
public sealed record IndexingStatusSnapshot(IndexingActivity? Poll, IndexingActivity? Reindex, long PollsStarted, long ReindexesStarted);

/// <summary>
/// Where the jobs leave their progress for the admin status endpoint and the CLI. A singleton per process: in a
/// cluster, a reindex runs on whichever node Quartz picks, and that node's status shows it.
/// </summary>
public sealed class IndexingProgressStore(TimeProvider? timeProvider = null)
{
    public const string PollKind = "poll";
    public const string ReindexKind = "reindex";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private IndexingActivity? _poll;
    private IndexingActivity? _reindex;
    private long _pollsStarted;
    private long _reindexesStarted;

    public IndexingStatusSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new IndexingStatusSnapshot(_poll, _reindex, _pollsStarted, _reindexesStarted);
        }
    }

    /// <summary>Marks a run as started; report its progress through the returned tracker and finish it with one of its methods.</summary>
    public RunTracker Begin(string kind, ReindexRequest? request = null)
    {
        var activity = new IndexingActivity(kind, request, _time.GetUtcNow(), null, null, null, null);
        lock (_lock)
        {
            Set(kind, activity);
            if (kind == ReindexKind)
            {
                _reindexesStarted++;
            }
            else
            {
                _pollsStarted++;
            }
        }
        return new RunTracker(this, kind);
    }

    private void Set(string kind, IndexingActivity activity)
    {
        lock (_lock)
        {
            if (kind == ReindexKind)
            {
                _reindex = activity;
            }
            else
            {
                _poll = activity;
            }
        }
    }

    private void Update(string kind, Func<IndexingActivity, IndexingActivity> change)
    {
        lock (_lock)
        {
            var current = kind == ReindexKind ? _reindex : _poll;
            if (current is not null)
            {
                Set(kind, change(current));
            }
        }
    }

    /// <summary>Progress of one run; also an <see cref="IProgress{T}"/> to hand to <see cref="PostIndexer"/>.</summary>
    public sealed class RunTracker : IProgress<IndexProgress>
    {
        private readonly IndexingProgressStore _store;
        private readonly string _kind;

        internal RunTracker(IndexingProgressStore store, string kind)
        {
            _store = store;
            _kind = kind;
        }

        public void Report(IndexProgress value) => _store.Update(_kind, a => a with { Progress = value });

        public void Complete(IndexRunResult result) =>
            _store.Update(_kind, a => a with { Result = result, FinishedAt = _store._time.GetUtcNow() });

        public void Fail(Exception error) =>
            _store.Update(_kind, a => a with { Error = $"{error.GetType().Name}: {error.Message}", FinishedAt = _store._time.GetUtcNow() });
    }
}
