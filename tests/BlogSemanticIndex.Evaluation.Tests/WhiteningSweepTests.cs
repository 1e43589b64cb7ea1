using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.TestSupport.Encoding;
using BlogSemanticIndex.TestSupport.Search;

namespace BlogSemanticIndex.Evaluation.Tests;

/// <summary>The sweep and the mode evaluation on a real index (TestCorpus: 12 English and Chinese posts, real MiniLM vectors).</summary>
public sealed class WhiteningSweepTests : IAsyncLifetime
{
    private static readonly LabelledQuery[] Queries =
    [
        new("my wireless keeps disconnecting", new HashSet<long> { 1 }),
        new("ERR_CONN_4402", new HashSet<long> { 2 }),
        new("database pool too small", new HashSet<long> { 3 }),
        new("新词算法", new HashSet<long> { 5 }),
        new("bread fermentation", new HashSet<long> { 7 }),
        new("going for a hike in the mountains", new HashSet<long> { 6 }),
    ];

    private Embedding.SentenceEncoder _encoder = null!;
    private TestCorpus _corpus = null!;
    private WhiteningSweep _sweep = null!;
    private int _modelId;

    public async Task InitializeAsync()
    {
        (_encoder, _) = TestEncoders.LoadBuiltinMiniLm();
        _corpus = await TestCorpus.CreateAsync(_encoder);
        var dataSource = _corpus.Database.DataSource;
        _sweep = new WhiteningSweep(dataSource, new KeywordSearcher(dataSource), new SentenceEncoderQueryEmbedder(_encoder), _corpus.Options);
        _modelId = (await new Storage.IndexWriter(dataSource).GetActiveModelAsync())!.Id;
    }

    [Fact]
    public async Task The_raw_row_scores_what_the_service_ranks_and_a_full_rotation_changes_nothing()
    {
        var rows = await _sweep.RunAsync(_modelId, Queries, [new SweepPoint(0, 0, 384), new SweepPoint(1, 1, 8)]);

        var evaluation = new SearchModeEvaluation(_corpus.Search, new KeywordSearcher(_corpus.Database.DataSource));
        // On 12 posts HNSW is exact, so the sweep's in-memory ranking must score exactly as the service's semantic and hybrid modes.
        Assert.Equal(Rounded((await evaluation.ScoreAsync(EvaluatedMode.Semantic, Queries)).NdcgAt10), Rounded(rows[0].Semantic.NdcgAt10));
        Assert.Equal(Rounded((await evaluation.ScoreAsync(EvaluatedMode.Hybrid, Queries)).NdcgAt10), Rounded(rows[0].Hybrid.NdcgAt10));
        Assert.Null(rows[0].Point);
        Assert.Equal(384 * 4 + 8, rows[0].BytesPerChunk);
        // β = γ = 0 at k = d is a rotation: cosine similarities, hence rankings and scores, are the raw ones.
        Assert.Equal(rows[0].Semantic, rows[1].Semantic);
        Assert.Equal(1.0, rows[1].ExplainedVariance!.Value, 9);
        Assert.Equal(8 * 4 + 8, rows[2].BytesPerChunk);
        Assert.True(rows[2].ExplainedVariance < 1);
    }

    [Fact]
    public async Task The_keyword_like_mode_finds_what_typechos_search_finds_and_nothing_for_a_paraphrase()
    {
        var evaluation = new SearchModeEvaluation(_corpus.Search, new KeywordSearcher(_corpus.Database.DataSource));

        var exact = await evaluation.ScoreAsync(EvaluatedMode.KeywordLike, [Queries[1]]);
        var paraphrase = await evaluation.ScoreAsync(EvaluatedMode.KeywordLike, [Queries[0]]);

        Assert.Equal(1.0, exact.NdcgAt10);
        Assert.Equal(0.0, paraphrase.NdcgAt10);
        Assert.True((await evaluation.ScoreAsync(EvaluatedMode.Semantic, [Queries[0]])).MrrAt10 > 0);
    }

    [Fact]
    public async Task A_grid_point_outside_the_encoders_dimensions_is_refused_before_any_work()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _sweep.RunAsync(_modelId, Queries, [new SweepPoint(0, 0, 500)]));

        Assert.Contains("Whitening:Dims (--dims) is 500", error.Message);
    }

    [Fact]
    public void The_default_grid_tries_classic_whitening_and_pca_at_a_sixth_a_third_two_thirds_and_all_of_the_dimensions()
    {
        var grid = WhiteningSweep.DefaultGrid(384);

        Assert.Equal([64, 128, 256, 384], grid.Select(p => p.Dims).Distinct());
        Assert.Contains(new SweepPoint(1, 1, 384), grid);
        Assert.Contains(new SweepPoint(0, 0, 256), grid);
        Assert.Equal(2 * 3 * 4, grid.Count);
    }

    private static double Rounded(double value) => Math.Round(value, 9);

    public async Task DisposeAsync()
    {
        await _corpus.DisposeAsync();
        _encoder.Dispose();
    }
}
