using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Search.NodeIndexes;
using BlogSemanticIndex.Search.Vectors;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlogSemanticIndex.Search;

/// <summary>
/// Whole rankings by (query, mode, index generation), so page 2 of a search, and a popular query, cost neither leg
/// again. The generation (table <c>index_generation</c>, migration V006) is bumped by every change to <c>posts</c> and
/// by a switch of model or whitening. With this node's own indexes built (the <see cref="LuceneKeywordIndex"/>, the
/// <see cref="NodeVectorIndex"/>), the key holds the oldest generation they hold, the store state the legs search, so a
/// cached search costs no round trip; the key moves on with their next poll, as the legs' own answers do, and a post
/// hidden meanwhile is left out of the page by the hit builder, which reads its row. Otherwise the store's generation is
/// read before ranking: a ranking made while a post was being hidden is stored under the old generation, which no later
/// search asks for, and a ranking is kept only when each node index already held that generation when ranking began
/// (they may lag the store by a poll), so a ranking from an older copy is never stored under a newer generation.
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
        // With every node index built, the key is the oldest generation they hold, the store state the ranking sees: no
        // round trip. A post hidden since is still left out of the page (the hit builder reads its row), and the key moves
        // on with the node's next poll, as the legs' answers do. Otherwise the store's generation is read.
        var heldBefore = _nodeIndexes.Select(i => i.IsReady ? i.AppliedGeneration : (long?)null).ToArray();
        long generation;
        if (_nodeIndexes.Length > 0 && heldBefore.All(held => held is not null))
        {
            generation = heldBefore.Min()!.Value;
        }
        else
        {
            await using var command = _dataSource.CreateCommand("SELECT value FROM index_generation");
            generation = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        // Runs of spaces change neither leg (both split on them), so they share an entry.
        var key = new Key(Whitespace.Collapse(query), mode, generation);
        if (_cache.TryGetValue(key, out (IReadOnlyList<RankedPost> Posts, IReadOnlyList<string>? Warnings) cached))
        {
            SearchMetrics.RankingCacheHits.Add(1);
            return cached;
        }
        // The ranking saw the store at this generation or later if each node index held it before ranking began, or if
        // it was not built before or after (PostgreSQL served).
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
