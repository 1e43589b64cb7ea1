using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;
using BlogSemanticIndex.TestSupport.Search;
using Npgsql;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>One page's hits built alone from a ranking, against the real PostgreSQL (the test corpus, one chunk per post).</summary>
[Collection(EncoderCollectionDefinition.Name)]
public sealed class SearchHitBuilderTests(EncoderFixture encoder)
{
    [Fact]
    public async Task Hits_follow_the_page_order_with_each_posts_title_and_a_marked_snippet()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var builder = new SearchHitBuilder(corpus.Database.DataSource, Microsoft.Extensions.Options.Options.Create(corpus.Options));

        var hits = await builder.BuildAsync("新词 算法", [new RankedPost(12, 2.0, 1, null, null), new RankedPost(5, 1.0, 2, null, null)]);

        Assert.Equal([12L, 5L], hits.Select(h => h.Cid));
        Assert.Equal("新词发现与分词", hits[1].Title);
        Assert.Equal("post-5", hits[1].Slug);
        Assert.Contains("<mark>新词</mark>", hits[1].Snippet, StringComparison.Ordinal);
        Assert.Contains("<mark>算法</mark>", hits[0].Snippet, StringComparison.Ordinal);
        Assert.Equal([2.0, 1.0], hits.Select(h => h.Score));
    }

    [Fact]
    public async Task A_post_deleted_after_it_was_ranked_is_left_out_of_the_page()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var builder = new SearchHitBuilder(corpus.Database.DataSource, Microsoft.Extensions.Options.Options.Create(corpus.Options));
        await using (var delete = corpus.Database.DataSource.CreateCommand("DELETE FROM posts WHERE cid = 3"))
        {
            await delete.ExecuteNonQueryAsync();
        }

        var hits = await builder.BuildAsync("anything", [new RankedPost(1, 3, 1, null, null), new RankedPost(3, 2, 2, null, null), new RankedPost(7, 1, 3, null, null)]);

        Assert.Equal([1L, 7L], hits.Select(h => h.Cid));
        Assert.Empty(await builder.BuildAsync("anything", []));
    }

    [Fact]
    public async Task A_snippet_starts_in_the_body_not_in_the_header_of_title_categories_and_tags()
    {
        await using var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var ds = corpus.Database.DataSource;
        // A post as the indexer writes it: PostTextExtractor's document, the header on its own lines, a blank line, the body.
        var document = new BlogSemanticIndex.Text.PostTextExtractor().BuildDocument("Weekend  baking", ["Food", "Notes"], ["bread"],
            "A long cold fermentation gives sourdough its open crumb.");
        Assert.StartsWith("Weekend baking\nFood, Notes\nbread\n\n", document.Text, StringComparison.Ordinal);
        var info = encoder.Encoder.Info;
        var writer = new IndexWriter(ds);
        var model = await writer.RegisterModelAsync(info.Name, info.Revision, info.Dimensions);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(document.Text));
        var created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        await writer.WriteBatchAsync(model,
            [new PostRecord(100, "post", "Weekend  baking", "weekend-baking", created, created, hash,
                [new ChunkRecord(0, document.Text, 0, document.Text.Length, 20, hash)])],
            new Dictionary<string, float[]> { [Convert.ToHexString(hash)] = encoder.Encoder.Encode([document.Text])[0] }, [], [], "test", null);
        var builder = new SearchHitBuilder(ds, Microsoft.Extensions.Options.Options.Create(corpus.Options));

        var unrelated = (await builder.BuildAsync("qwxzv", [new RankedPost(100, 1, null, 1, null)]))[0];
        var matching = (await builder.BuildAsync("sourdough", [new RankedPost(100, 1, 1, null, null)]))[0];

        Assert.StartsWith("A long cold fermentation", unrelated.Snippet, StringComparison.Ordinal);
        Assert.Equal(document.BodyStart, unrelated.SnippetStart);
        Assert.DoesNotContain("Notes", matching.Snippet, StringComparison.Ordinal);
        Assert.Contains("<mark>sourdough</mark>", matching.Snippet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_settings_in_a_batch_hold_for_the_query_after_them_and_end_with_it()
    {
        // SemanticSearcher sets hnsw.ef_search for its query in the same batch (one round trip), relying on this.
        await using var database = await TestIndexDatabase.CreateAsync();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        // Loads pgvector into the session, which defines hnsw.ef_search with its default of 40.
        await using (var load = new NpgsqlCommand("SELECT '[1,2]'::vector", connection))
        {
            await load.ExecuteScalarAsync();
        }
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('hnsw.ef_search', '321', true)"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT current_setting('hnsw.ef_search')"));
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            await reader.NextResultAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("321", reader.GetString(0));
        }
        await using var after = new NpgsqlCommand("SELECT current_setting('hnsw.ef_search')", connection);
        Assert.Equal("40", await after.ExecuteScalarAsync());
    }
}
