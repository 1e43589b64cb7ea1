using BlogSemanticIndex.Evaluation.Corpora;

namespace BlogSemanticIndex.Evaluation.Tests;

public sealed class CsvTests
{
    [Fact]
    public void Quoted_fields_keep_commas_doubled_quotes_and_newlines_and_rows_may_differ_in_width()
    {
        var path = Path.GetTempFileName();
        try
        {
            // As SciFact's corpus_train.csv quotes its abstracts: commas, quotes and line breaks inside one field; CRLF rows.
            File.WriteAllText(path, "doc_id,title,abstract\r\n4983,\"Microstructural, \"\"diffusion\"\"\",\"['line one',\n'line two']\"\r\n7,短标题\n");

            var rows = Csv.Read(path);

            Assert.Equal(3, rows.Count);
            Assert.Equal(["doc_id", "title", "abstract"], rows[0]);
            Assert.Equal(["4983", "Microstructural, \"diffusion\"", "['line one',\n'line two']"], rows[1]);
            Assert.Equal(["7", "短标题"], rows[2]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
