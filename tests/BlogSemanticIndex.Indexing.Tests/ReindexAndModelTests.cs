using BlogSemanticIndex.Whitening;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary><c>bsi reindex</c>, a change of encoder, and a live whitening version: what happens to an index that already exists.</summary>
public sealed class ReindexAndModelTests(EncoderFixture encoder) : SqliteBlogTests(encoder)
{
    protected override async Task SeedAsync()
    {
        await H.InsertPostAsync(1, "Vectors", "<!--markdown-->Cosine distance between sentence vectors.", T - 900);
        await H.InsertPostAsync(2, "Chunks", "<!--markdown-->Long posts are cut into overlapping chunks.", T - 800);
        await H.InsertPostAsync(3, "Whitening", "<!--markdown-->Whitening makes the vector space isotropic.", T - 700);
        await H.PollAsync();
    }

    [Fact]
    public async Task A_dry_run_counts_posts_and_chunks_and_writes_nothing()
    {
        var before = await H.EmbeddingRowsAsync();

        var result = await H.CreateIndexer().ReindexAsync(ReindexRequest.Everything(dryRun: true));

        Assert.True(result.DryRun);
        Assert.Equal(3, result.PostsWritten);
        Assert.Equal(before.Count, result.ChunksWritten);
        Assert.Equal(0, result.Batches);
        Assert.Equal(before, await H.EmbeddingRowsAsync());
    }

    [Fact]
    public async Task Reindexing_one_post_re_embeds_only_it()
    {
        var before = await H.EmbeddingRowsAsync();

        var result = await H.CreateIndexer().ReindexAsync(ReindexRequest.Posts([2]));

        Assert.Equal(1, result.PostsWritten);
        Assert.Equal(before.Count(r => r.Cid == 2), result.ChunksEmbedded);
        var after = await H.EmbeddingRowsAsync();
        Assert.Equal(before.Where(r => r.Cid != 2), after.Where(r => r.Cid != 2));
        Assert.Equal(before.Where(r => r.Cid == 2).Select(r => r.TextHash), after.Where(r => r.Cid == 2).Select(r => r.TextHash));
        Assert.DoesNotContain(after.Where(r => r.Cid == 2).Select(r => r.ChunkId), before.Select(r => r.ChunkId).Contains);
    }

    [Fact]
    public async Task Reindexing_a_post_that_is_no_longer_visible_removes_it()
    {
        await H.Blog.UpdatePostAsync(2, $"{H.Blog.Q("status")} = 'private'");

        var result = await H.CreateIndexer().ReindexAsync(ReindexRequest.Posts([2]));

        Assert.Equal(1, result.PostsRemoved);
        Assert.Equal([1L, 3L], await H.IndexedCidsAsync());
    }

    [Fact]
    public async Task Reindexing_everything_re_embeds_every_chunk()
    {
        var before = await H.EmbeddingRowsAsync();

        var result = await H.CreateIndexer().ReindexAsync(ReindexRequest.Everything());

        Assert.Equal(3, result.PostsWritten);
        Assert.Equal(before.Select(r => r.TextHash).Distinct().Count(), result.ChunksEmbedded);
        Assert.Equal(before.Select(r => (r.Cid, r.Ordinal, r.TextHash)), (await H.EmbeddingRowsAsync()).Select(r => (r.Cid, r.Ordinal, r.TextHash)));
    }

    [Fact]
    public async Task A_reindex_request_must_name_posts_or_everything()
    {
        var indexer = H.CreateIndexer();
        await Assert.ThrowsAsync<ArgumentException>(() => indexer.ReindexAsync(new ReindexRequest(false, [])));
        await Assert.ThrowsAsync<ArgumentException>(() => indexer.ReindexAsync(new ReindexRequest(true, [1])));
    }

    [Fact]
    public async Task A_new_encoder_is_activated_and_every_post_embedded_again_without_mixing_vector_spaces()
    {
        var before = await H.EmbeddingRowsAsync();
        var oldModel = Assert.Single(before.Select(r => r.ModelId).Distinct());
        var other = new InterceptingEncoder(Encoder.ChunkEncoder, revision: "another-revision");

        var result = await H.CreateIndexer(encoder: other).RunOnceAsync();

        Assert.True(result.ModelChanged);
        Assert.Equal(before.Select(r => r.TextHash).Distinct().Count(), result.ChunksEmbedded);
        var after = await H.EmbeddingRowsAsync();
        var newModel = Assert.Single(after.Select(r => r.ModelId).Distinct());
        Assert.NotEqual(oldModel, newModel);
        Assert.Equal(before.Select(r => (r.Cid, r.Ordinal, r.TextHash)), after.Select(r => (r.Cid, r.Ordinal, r.TextHash)));
        var active = await H.QueryAsync("SELECT model_id FROM active_index", r => r.GetInt32(0));
        Assert.Equal(newModel, active[0]);

        var again = await H.CreateIndexer(encoder: other).RunOnceAsync();
        Assert.False(again.ModelChanged);
        Assert.Equal(0, again.ChunksEmbedded);
    }

    [Fact]
    public async Task New_chunks_get_reduced_vectors_for_the_active_whitening_version()
    {
        // The seed's poll ran before any whitening version existed.
        var whitening = new WhiteningStore(H.Index.DataSource);
        var model = (await H.EmbeddingRowsAsync())[0].ModelId;
        // Rotation only (gamma 0) to 4 dimensions: valid with a handful of vectors.
        var build = await whitening.FitAsync(model, new WhiteningParameters(Beta: 1, Gamma: 0, Dims: 4), activate: true);

        await H.InsertPostAsync(4, "Reduced", "<!--markdown-->A post written after the fit.", T - 100);
        await H.Blog.UpdatePostAsync(2, $"{H.Blog.Q("text")} = '<p>Chunks, rewritten.</p>', {H.Blog.Q("modified")} = @m", ("m", T - 90));
        await H.CreateIndexer(whitening: whitening).RunOnceAsync();

        var chunks = await H.QueryAsync("SELECT id FROM chunks ORDER BY id", r => r.GetInt64(0));
        var reduced = await H.QueryAsync($"SELECT chunk_id FROM {WhiteningStore.QuoteTable(build.ReducedTable)} ORDER BY chunk_id", r => r.GetInt64(0));
        Assert.Equal(chunks, reduced);
    }
}
