using BlogSemanticIndex.Evaluation.Corpora;

namespace BlogSemanticIndex.Evaluation.Tests;

public sealed class SentevalCnSetTests
{
    [Fact]
    public void Second_sentences_are_posts_and_first_sentences_of_positive_pairs_are_queries()
    {
        var path = Path.Combine(Path.GetTempPath(), $"senteval-{Guid.NewGuid():N}.data");
        File.WriteAllText(path, "开初婚未育证明怎么弄？\t初婚未育情况证明怎么开？\t1\n谁知道她是网络美女吗？\t爱情这杯酒谁喝都会醉是什么歌\t0\n" +
            "开初婚未育证明怎么弄？\t初婚未育证明在哪里开\t1\n人和畜生的区别是什么？\t人与畜生的区别是什么！\t1\n第三个问题\t初婚未育情况证明怎么开？\t1\n");
        try
        {
            var set = SentevalCnSet.Read(path, maxQueries: 2);

            Assert.Equal(["初婚未育情况证明怎么开？", "爱情这杯酒谁喝都会醉是什么歌", "初婚未育证明在哪里开", "人与畜生的区别是什么！"], set.Posts.Select(p => p.Text));
            Assert.Equal([1L, 2, 3, 4], set.Posts.Select(p => p.Cid));
            // The first two distinct queries; a negative pair makes no query, and a query's positive partners all count.
            Assert.Equal(["开初婚未育证明怎么弄？", "人和畜生的区别是什么？"], set.Queries.Select(q => q.Query));
            Assert.Equal([1L, 3], set.Queries[0].Relevant.Order());
            Assert.Equal([4L], set.Queries[1].Relevant);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_line_that_is_not_a_labelled_pair_is_refused_with_its_number()
    {
        var path = Path.Combine(Path.GetTempPath(), $"senteval-{Guid.NewGuid():N}.data");
        File.WriteAllText(path, "一\t二\t1\n只有一列\n");
        try
        {
            var error = Assert.Throws<FormatException>(() => SentevalCnSet.Read(path, 10));
            Assert.Contains(":2:", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
