namespace BlogSemanticIndex.Search.NodeIndexes;

/// <summary>
/// A copy of part of the index store kept in this node's memory and derived from PostgreSQL, the store of record:
/// built whole at start, then kept current from the change sequence (<c>keyword_changes</c>, migration V012) by a
/// <see cref="NodeIndexSync"/>. Until it is built, and for what it does not hold, searches read PostgreSQL instead.
/// </summary>
public abstract class NodeIndex
{
    private long _currentAtTicks;

    /// <summary>What it is, as log lines, <c>/healthz</c> and the metrics name it ("keyword index").</summary>
    public abstract string Name { get; }

    /// <summary>What searches do until it is built, for <c>/healthz</c>.</summary>
    public abstract string FallbackWhileBuilding { get; }

    /// <summary>Whether a build finished: until then searches read PostgreSQL.</summary>
    public abstract bool IsReady { get; }

    /// <summary>The index generation (<c>index_generation</c>) of the store state it holds; searches see at least it.</summary>
    public long AppliedGeneration { get; protected set; }

    /// <summary>What it holds, counted (posts, chunks), as <c>/healthz</c> and the metrics show it.</summary>
    public abstract (string Unit, int Count) Size { get; }

    /// <summary>When it last held every change committed to the store (the start of the poll that found it current).</summary>
    public DateTimeOffset? CurrentAt => Interlocked.Read(ref _currentAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>How far behind the store it may be at <paramref name="now"/>: the time since it was last known current.</summary>
    public TimeSpan? LagAt(DateTimeOffset now) => CurrentAt is { } current ? (now - current < TimeSpan.Zero ? TimeSpan.Zero : now - current) : null;

    /// <summary>Records that every change committed before <paramref name="pollStartedAt"/> is applied.</summary>
    public void MarkCurrent(DateTimeOffset pollStartedAt) => Interlocked.Exchange(ref _currentAtTicks, pollStartedAt.UtcTicks);
}
