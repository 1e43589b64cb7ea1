using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Search.NodeIndexes;
using BlogSemanticIndex.Search.Vectors;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlogSemanticIndex.Search;

/// <summary>
/// Whole rankings by (query, mode, index generation), so page 2 of a search, and a popular query, cost one read
/// of the generation instead of both legs again. The generation (table <c>index_generation</c>, migration V006) is
/// bumped by every change to <c>posts</c> and by a switch of model or whitening, and is read before ranking: a
/// ranking made while a post was being hidden is stored under the old generation, which no later search asks
/// for, so a hidden or deleted post is never served from here. With this node's own indexes (the
/// <see cref="LuceneKeywordIndex"/>, the <see cref="NodeVectorIndex"/>), a ranking is kept only when each already held
/// that generation when ranking began (they may lag the store by a poll), so a ranking from an older copy is never
/// stored under a newer generation.
/// </summary>
public sealed class RankingCache : IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _timeToLive;
    private readonly MemoryCache? _cache;
    private readonly NodeIndex[] _nodeIndexes;
    private readonly SemanticFloor? _floor;

    public RankingCache(NpgsqlDataSource dataSource, IOptions<SearchOptions> options, LuceneKeywordIndex? keywordIndex = null,
        SemanticFloor? floor = null, NodeVectorIndex? vectorIndex = null)
    {
        _floor = options.Value.RelevanceFloor ? floor : null;
        _dataSource = dataSource;
        _nodeIndexes = [.. new NodeIndex?[] { keywordIndex, vectorIndex }.OfType<NodeIndex>()];
        _timeToLive = TimeSpan.FromSeconds(options.Value.RankingCacheSeconds);
        _cache = options.Value.RankingCacheSeconds > 0
            ? new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.RankingCachePosts })
            : null;
    }

    private readonly record struct Key(string Query, SearchMode Mode, long Generation);

    /// <summary>The cached ranking of the query at the current generation, else <paramref name="rank"/>'s (cached unless degraded).</summary>
    public async Task<(IReadOnlyList<RankedPost> Posts, IReadOnlyList<string>? Warnings)> GetOrRankAsync(string query, SearchMode mode,
        Func<Task<(IReadOnlyList<RankedPost> Posts, IReadOnlyList<string>? Warnings)>> rank, CancellationToken cancellationToken)
    {
        if (_cache is null)
        {
            return await rank();
        }
        await using var command = _dataSource.CreateCommand("SELECT value FROM index_generation");
        var generation = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        // Runs of spaces change neither leg (both split on them), so they share an entry.
        var key = new Key(Whitespace.Collapse(query), mode, generation);
        if (_cache.TryGetValue(key, out (IReadOnlyList<RankedPost> Posts, IReadOnlyList<string>? Warnings) cached))
        {
            SearchMetrics.RankingCacheHits.Add(1);
            return cached;
        }
        // The ranking saw the store at this generation or later if each node index held it before ranking began, or if
        // it was not built before or after (PostgreSQL served).
        var heldBefore = _nodeIndexes.Select(i => i.IsReady ? i.AppliedGeneration : (long?)null).ToArray();
        // Nor while the relevance floor is still being computed: the ranking may hold posts the floor will drop.
        var floorSettled = _floor?.Settled ?? true;
        var ranking = await rank();
        var current = _nodeIndexes.Select((index, i) => heldBefore[i] is { } held ? held >= generation : !index.IsReady).All(c => c)
            && floorSettled && (_floor?.Settled ?? true);
        // A degraded ranking (one leg failed) is not kept: the next search tries both legs again.
        if (ranking.Warnings is null && current)
        {
            _cache.Set(key, ranking, new MemoryCacheEntryOptions { Size = ranking.Posts.Count + 1, AbsoluteExpirationRelativeToNow = _timeToLive });
        }
        return ranking;
    }

    public void Dispose() => _cache?.Dispose();
}
