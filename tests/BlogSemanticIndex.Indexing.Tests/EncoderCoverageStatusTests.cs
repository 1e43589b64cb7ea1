using BlogSemanticIndex.Storage;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// The indexer stores, per chunk, the letters of each script and how many the encoder reads; the status sums them, so an
/// owner of a Chinese blog indexed with the English builtin model is told that its Chinese text is not read.
/// </summary>
public sealed class EncoderCoverageStatusTests(EncoderFixture encoder) : SqliteBlogTests(encoder)
{
    private const string ChineseBody = "<!--markdown-->本文介绍一种基于统计的新词发现方法，并讨论分词中常用的算法，例如互信息和左右熵。";

    protected override async Task SeedAsync()
    {
        await H.InsertPostAsync(1, "Chunking notes", "<!--markdown-->Notes on chunking and vectors.", T - 1000);
        await H.InsertPostAsync(2, "新词发现", ChineseBody, T - 900);
    }

    [Fact]
    public async Task Status_shows_the_text_by_script_and_the_encoders_coverage_of_each()
    {
        await H.PollAsync();

        var status = await new IndexStatusReader(H.Index.DataSource, H.Index.CreateMigrationRunner()).ReadAsync();

        var han = status.Scripts.Single(s => s.Script == "Han");
        var latin = status.Scripts.Single(s => s.Script == "Latin");
        Assert.Equal(4 + ChineseBody.Count(c => c is >= '\u4e00' and <= '\u9fff'), han.Characters);
        Assert.Equal(0, han.ReadCharacters);
        Assert.Equal(latin.Characters, latin.ReadCharacters);
        Assert.Equal("Chunkingnotes".Length + "Notesonchunkingandvectors".Length, latin.Characters);
        var line = Assert.Single(status.TextByScript, l => l.StartsWith("Han:", StringComparison.Ordinal));
        Assert.Contains("encoder coverage 0%", line);
        Assert.Contains("cannot read it", line);
    }
}
