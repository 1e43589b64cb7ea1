using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>
/// The pruned BM25 top k (<c>keyword_top_k</c>, MaxScore) against summing every posting list, over random corpora
/// with skewed term frequencies (English words, identifiers, Chinese), random queries and k, after posts were
/// rewritten and deleted (so the maintained statistics and the widened bounds are exercised too).
/// </summary>
public sealed class KeywordTopKTests
{
    private static readonly string[] Vocabulary =
    [
        "postgres", "index", "vector", "search", "query", "blog", "typecho", "latency", "cache", "encoder", "whitening",
        "chunk", "token", "ranking", "fusion", "snippet", "highlight", "lucene", "posting", "bound", "threshold",
        "err_conn_4402", "v2.14.3", "snake_case", "c++", "语义", "搜索", "向量", "索引", "博客", "中文分词", "排序算法",
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma", "omega",
    ];

    /// <summary>A Zipf-like pick: early words are far more frequent, so some posting lists are long and some short.</summary>
    internal static string Word(Random random) => Vocabulary[(int)(Vocabulary.Length * Math.Pow(random.NextDouble(), 2.5))];

    internal static string Document(Random random) =>
        string.Join(' ', Enumerable.Range(0, random.Next(1, 40)).Select(_ => Word(random)));

    /// <summary><c>keyword_top_k</c> with the given budgets, relaxed as <see cref="KeywordSearcher"/> relaxes a query that finds nothing.</summary>
    private static async Task<List<KeywordHit>> TopKWithSeedRowsAsync(TestIndexDatabase database, KeywordQuery query, int k, int seedRows, double probeCost)
    {
        var hits = await TopKOnceAsync(database, query, k, seedRows, probeCost);
        return hits.Count == 0 && query.Relaxed is { } relaxed ? await TopKOnceAsync(database, relaxed, k, seedRows, probeCost) : hits;
    }

    private static async Task<List<KeywordHit>> TopKOnceAsync(TestIndexDatabase database, KeywordQuery query, int k, int seedRows, double probeCost)
    {
        await using var command = database.DataSource.CreateCommand("SELECT cid, score FROM keyword_top_k(@terms, @qtf, @k, @k1, @b, @seed, @probe, @minMatch)");
        command.Parameters.AddWithValue("terms", query.Terms.Select(t => t.Term).ToArray());
        command.Parameters.AddWithValue("qtf", query.Terms.Select(t => t.Weight).ToArray());
        command.Parameters.AddWithValue("minMatch", query.MinimumShouldMatch);
        command.Parameters.AddWithValue("k", k);
        command.Parameters.AddWithValue("k1", KeywordSearcher.K1);
        command.Parameters.AddWithValue("b", KeywordSearcher.B);
        command.Parameters.AddWithValue("seed", seedRows);
        command.Parameters.AddWithValue("probe", probeCost);
        await using var reader = await command.ExecuteReaderAsync();
        var hits = new List<KeywordHit>();
        while (await reader.ReadAsync())
        {
            hits.Add(new KeywordHit(reader.GetInt64(0), reader.GetDouble(1), false));
        }
        return hits;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Pruned_top_k_equals_the_exhaustive_top_k_on_random_corpora(int seed)
    {
        var random = new Random(seed);
        await using var database = await TestIndexDatabase.CreateAsync();
        var posts = Enumerable.Range(1, 300).Select(cid => ((long)cid, Document(random))).ToList();
        await StandInPosts.WriteAsync(database, posts);
        // Rewrite a third of the posts (their terms change) and delete a tenth: df and the corpus statistics must
        // follow, and the bounds of the terms left behind must still bound.
        await StandInPosts.WriteAsync(database, posts.Where(p => p.Item1 % 3 == 0).Select(p => (p.Item1, Document(random))).ToList());
        await using (var delete = database.DataSource.CreateCommand("DELETE FROM posts WHERE cid % 10 = 7"))
        {
            await delete.ExecuteNonQueryAsync();
        }

        var searcher = new KeywordSearcher(database.DataSource);
        var compared = 0;
        for (var i = 0; i < 60; i++)
        {
            var text = string.Join(' ', Enumerable.Range(0, random.Next(1, 7)).Select(_ => Word(random)));
            var k = new[] { 1, 3, 10, 50, 1000 }[random.Next(5)];
            // The query's own minimum-should-match, or any other from 1 to its total weight (a post must match that much).
            var query = KeywordQuery.Parse(text);
            if (random.Next(2) == 0)
            {
                query = query with { MinimumShouldMatch = random.Next(1, query.TotalWeight + 1) };
            }
            var expected = await searcher.RankExhaustiveAsync(query, k);
            Assert.Equal(expected, await searcher.RankBm25Async(query, k));
            // A small seed budget (θ from part of a posting list, and pruning on this small corpus), with the
            // non-essential terms probed per candidate and read whole.
            Assert.Equal(expected, await TopKWithSeedRowsAsync(database, query, k, seedRows: 5, probeCost: 0));
            Assert.Equal(expected, await TopKWithSeedRowsAsync(database, query, k, seedRows: 5, probeCost: 1e9));
            compared += expected.Count;
        }
        Assert.True(compared > 100, $"the random queries matched only {compared} posts in all");
    }

    [Fact]
    public async Task Maintained_statistics_equal_the_counted_ones_after_rewrites_and_deletes()
    {
        var random = new Random(7);
        await using var database = await TestIndexDatabase.CreateAsync();
        var posts = Enumerable.Range(1, 120).Select(cid => ((long)cid, Document(random))).ToList();
        await StandInPosts.WriteAsync(database, posts);
        await StandInPosts.WriteAsync(database, posts.Where(p => p.Item1 % 2 == 0).Select(p => (p.Item1, Document(random))).ToList());
        await using (var delete = database.DataSource.CreateCommand("DELETE FROM posts WHERE cid > 100"))
        {
            await delete.ExecuteNonQueryAsync();
        }

        await using var check = database.DataSource.CreateCommand("""
            SELECT (SELECT docs FROM keyword_stats) = (SELECT count(*) FROM keyword_docs),
                   (SELECT total_length FROM keyword_stats) = (SELECT sum(length) FROM keyword_docs),
                   NOT EXISTS (
                       SELECT term, df FROM keyword_terms
                       EXCEPT SELECT term, count(*)::int FROM keyword_postings GROUP BY term),
                   NOT EXISTS (
                       SELECT 1 FROM keyword_postings k JOIN keyword_terms t USING (term)
                       WHERE k.tf > t.max_tf OR k.length < t.min_length),
                   (SELECT count(*) FROM keyword_terms) = (SELECT count(DISTINCT term) FROM keyword_postings)
            """);
        await using var reader = await check.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal([true, true, true, true, true], Enumerable.Range(0, 5).Select(reader.GetBoolean).ToArray());
    }

    [Fact]
    public async Task Upgrading_an_existing_keyword_index_fills_the_statistics_and_ranks_as_before()
    {
        var random = new Random(11);
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);
        // The index as it was before V006: migrations up to V004, posts written by the writer of that time (no length
        // column), then the upgrade.
        var before = Directory.CreateTempSubdirectory("bsi-v004-");
        try
        {
            var migrations = new IndexStoreOptions().ResolveMigrationsPath();
            foreach (var file in Directory.GetFiles(migrations, "V00*.sql").Where(f => string.CompareOrdinal(Path.GetFileName(f), "V005") < 0))
            {
                File.Copy(file, Path.Combine(before.FullName, Path.GetFileName(file)));
            }
            await database.CreateMigrationRunner(before.FullName).MigrateAsync();
        }
        finally
        {
            before.Delete(recursive: true);
        }
        var posts = Enumerable.Range(1, 80).Select(cid => ((long)cid, Document(random))).ToList();
        await using (var insert = database.DataSource.CreateCommand("""
            INSERT INTO posts (cid, type, title, created_at, modified_at, content_hash)
            SELECT cid, 'post', 'p', now(), now(), '\x00' FROM unnest(@cids) AS cid;
            INSERT INTO keyword_docs (cid, length) SELECT cid, length FROM unnest(@cids, @lengths) AS d(cid, length);
            INSERT INTO keyword_postings (term, cid, tf) SELECT term, cid, tf FROM unnest(@terms, @pcids, @tfs) AS k(term, cid, tf);
            """))
        {
            var analyzed = posts.Select(p => (p.Item1, Tokens: TextAnalyzer.Analyze(p.Item2))).ToList();
            var postings = analyzed.SelectMany(a => a.Tokens.GroupBy(t => t.Term).Select(g => (Term: g.Key, Cid: a.Item1, Tf: g.Count()))).ToList();
            insert.Parameters.AddWithValue("cids", analyzed.Select(a => a.Item1).ToArray());
            insert.Parameters.AddWithValue("lengths", analyzed.Select(a => a.Tokens.Count).ToArray());
            insert.Parameters.AddWithValue("terms", postings.Select(p => p.Term).ToArray());
            insert.Parameters.AddWithValue("pcids", postings.Select(p => p.Cid).ToArray());
            insert.Parameters.AddWithValue("tfs", postings.Select(p => p.Tf).ToArray());
            await insert.ExecuteNonQueryAsync();
        }

        await database.CreateMigrationRunner().MigrateAsync();

        var searcher = new KeywordSearcher(database.DataSource);
        for (var i = 0; i < 20; i++)
        {
            var query = string.Join(' ', Enumerable.Range(0, random.Next(1, 5)).Select(_ => Word(random)));
            Assert.Equal(await searcher.RankExhaustiveAsync(query, 10), await searcher.RankBm25Async(query, 10));
        }
        await using var check = database.DataSource.CreateCommand("""
            SELECT (SELECT docs FROM keyword_stats) = 80
               AND NOT EXISTS (SELECT term, df FROM keyword_terms EXCEPT SELECT term, count(*)::int FROM keyword_postings GROUP BY term)
               AND NOT EXISTS (SELECT 1 FROM keyword_postings k JOIN keyword_docs d USING (cid) WHERE k.length <> d.length)
            """);
        Assert.True((bool)(await check.ExecuteScalarAsync())!);
    }
}
