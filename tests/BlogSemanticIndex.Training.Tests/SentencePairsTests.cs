using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Training.Tests;

public sealed class SentencePairsTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "bsi-tests", $"pairs-{Guid.NewGuid():N}");

    public SentencePairsTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Csv_with_quoted_commas_a_header_and_crlf_reads_as_pairs()
    {
        var path = Write("pairs.csv", "sentence1,sentence2,score\r\nA plane is taking off.,\"A plane, taking off.\",5.0\r\n\"He said \"\"hi\"\"\",Hello,1.25\r\n");

        var pairs = SentencePairs.Read(path);

        Assert.Equal([new SentencePair("A plane is taking off.", "A plane, taking off.", 5.0), new SentencePair("He said \"hi\"", "Hello", 1.25)], pairs);
        Assert.Equal(5, SentencePairs.LabelScale(pairs));
    }

    [Fact]
    public void Tab_separated_data_keeps_quotes_as_text()
    {
        var path = Write("pairs.data", "他说\"你好\"\t你好吗\t1\n\"引号开头\t没有结束\t0\n");

        var pairs = SentencePairs.Read(path);

        Assert.Equal([new SentencePair("他说\"你好\"", "你好吗", 1), new SentencePair("\"引号开头", "没有结束", 0)], pairs);
        Assert.Equal(1, SentencePairs.LabelScale(pairs));
    }

    [Theory]
    [InlineData("a\tb\t1\nonly two\tcolumns\n", ":2: expected 3 columns")]
    [InlineData("a\tb\t1\nc\td\t7\n", ":2: the label 7 is out of range")]
    [InlineData("a\tb\t1\nc\td\t-1\n", ":2: the label -1 is out of range")]
    [InlineData("a\tb\t1\nc\td\tyes\n", ":2: the label 'yes' is not a number")]
    [InlineData("a\tb\t1\nc\td\t0\n \te\t1\n", ":3: text1 is empty")]
    [InlineData("a\t\t1\n", ":1: text2 is empty")]
    public void A_bad_row_is_refused_with_the_file_and_row_named(string content, string expected)
    {
        var path = Write("bad.tsv", content);

        var error = Assert.Throws<SentencePairFormatException>(() => SentencePairs.Read(path));

        Assert.StartsWith(path + expected, error.Message);
    }

    [SkippableFact]
    public void Reads_the_shared_sets_in_their_real_layouts()
    {
        var stsb = SentencePairs.Read(SharedData.Require("stsb/stsb-en-train.csv"));
        var stsbZh = SentencePairs.Read(SharedData.Require("stsb/stsb-zh-dev.csv"));
        var lcqmc = SentencePairs.Read(SharedData.Require("senteval_cn/LCQMC/LCQMC.valid.data"));

        Assert.Equal(5749, stsb.Count);
        Assert.Equal(1500, stsbZh.Count);
        Assert.Equal(8802, lcqmc.Count);
        Assert.All(lcqmc, p => Assert.Contains(p.Label, new[] { 0.0, 1.0 }));
        Assert.Contains(stsb, p => p.Text2 == "A man and and woman are running together, holding hands.");
    }
}
