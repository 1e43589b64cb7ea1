namespace BlogSemanticIndex.Evaluation.Tests;

public sealed class LabelledSetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bsi-labelled-").FullName;

    [Fact]
    public void A_written_set_reads_back_the_same_with_chinese_kept_readable()
    {
        var path = Path.Combine(_folder, "set.jsonl");
        LabelledSet.Write(path, [new LabelledQuery("新词算法", new HashSet<long> { 6, 2 }, "zh-1"), new LabelledQuery("hello \"world\" C++", new HashSet<long> { 5 })]);

        var read = LabelledSet.Read(path);

        Assert.Equal(2, read.Count);
        Assert.Equal(("新词算法", "zh-1"), (read[0].Query, read[0].Id));
        Assert.Equal([2L, 6L], read[0].Relevant.Order());
        Assert.Equal("hello \"world\" C++", read[1].Query);
        Assert.Null(read[1].Id);
        // Written for people to read and edit: UTF-8 text, not \u escapes, relevant ids sorted.
        Assert.StartsWith("{\"id\":\"zh-1\",\"query\":\"新词算法\",\"relevant\":[2,6]}", File.ReadAllText(path));
    }

    [Fact]
    public void Comments_and_blank_lines_are_skipped()
    {
        var path = Write("# demo queries\n\n{\"query\": \"pgvector\", \"relevant\": [1]}\n");

        Assert.Equal("pgvector", Assert.Single(LabelledSet.Read(path)).Query);
    }

    [Theory]
    [InlineData("{\"query\": \"a\", \"relevant\": [1]}\n{not json", ":2: not a JSON object")]
    [InlineData("{\"relevant\": [1]}", ":1: \"query\" is missing or empty")]
    [InlineData("{\"query\": \"  \", \"relevant\": [1]}", ":1: \"query\" is missing or empty")]
    [InlineData("{\"query\": \"a\", \"relevant\": []}", ":1: \"relevant\" must list at least one post id")]
    [InlineData("{\"query\": \"a\", \"relevant\": [\"x\"]}", ":1: not a JSON object")]
    [InlineData("# only a comment", ": no labelled queries")]
    public void A_bad_line_is_refused_naming_the_file_and_line(string content, string expected)
    {
        var path = Write(content);

        var error = Assert.Throws<FormatException>(() => LabelledSet.Read(path));

        Assert.Contains(path + expected, error.Message);
    }

    private string Write(string content)
    {
        var path = Path.Combine(_folder, $"{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
