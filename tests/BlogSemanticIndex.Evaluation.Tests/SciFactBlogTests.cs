using BlogSemanticIndex.Evaluation.Corpora;
using BlogSemanticIndex.Sources;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Evaluation.Tests;

public sealed class SciFactBlogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bsi-scifact-").FullName;

    [Fact]
    public async Task Abstracts_become_visible_typecho_posts_and_claims_with_evidence_become_labelled_queries()
    {
        // SciFact's quoting as found in the real files: quoted fields with commas, doubled quotes, newlines, and the
        // abstract as a numpy list repr of sentences.
        File.WriteAllText(Path.Combine(_folder, "corpus_train.csv"), """
            doc_id,title,abstract,structured
            4983,"Microstructural development, of human newborn cerebral white matter","['Alterations of the architecture of cerebral white matter.' ""It's measured with 'MRI'.""]",False
            5836,Induction of myelodysplasia,"['Somatic mutations' 'in the genes']",False

            """.Replace("\n", "\r\n"));
        File.WriteAllText(Path.Combine(_folder, "claims_train.csv"), """
            id,claim,evidence_doc_id,evidence_label,evidence_sentences,cited_doc_ids
            2,"1 in 5 million in UK have abnormal PrP positivity.",4983,CONTRADICT,[0],[4983]
            2,"1 in 5 million in UK have abnormal PrP positivity.",5836,SUPPORT,[1],[5836]
            3,A claim without evidence.,,,,[4983]
            5,Myelodysplasia is induced,5836,SUPPORT,[0],[5836]
            """);
        var path = Path.Combine(_folder, "blog.db");

        var summary = SciFactBlog.Create(_folder, path);

        Assert.Equal(2, summary.Posts);
        Assert.Equal(["2", "5"], summary.Queries.Select(q => q.Id));
        Assert.Equal([4983L, 5836L], summary.Queries[0].Relevant.Order());
        Assert.Equal([5836L], summary.Queries[1].Relevant);
        // Read back as the indexer reads a blog: every abstract a visible post, the sentences joined.
        await using var typecho = TypechoSourceFactory.Create(new BlogSourceOptions { Provider = "sqlite", ConnectionString = $"Data Source={path}" });
        Assert.Equal([4983L, 5836L], (await typecho.ReadVisibleStampsAsync()).Select(s => s.Cid).Order());
        var post = Assert.Single(await typecho.ReadPostsAsync([4983]));
        Assert.Equal("Microstructural development, of human newborn cerebral white matter", post.Title);
        Assert.Equal("Alterations of the architecture of cerebral white matter. It's measured with 'MRI'.", post.Text);
    }

    [Fact]
    public void A_folder_without_the_files_is_refused_naming_the_file()
    {
        var error = Assert.Throws<FileNotFoundException>(() => SciFactBlog.Create(_folder, Path.Combine(_folder, "blog.db")));

        Assert.Contains("corpus_train.csv", error.Message);
    }

    [SkippableFact]
    public void The_real_scifact_set_gives_5183_posts_and_505_queries()
    {
        var data = SharedData.Require("scifact");

        var summary = SciFactBlog.Create(data, Path.Combine(_folder, "scifact.db"));

        Assert.Equal(5183, summary.Posts);
        Assert.Equal(505, summary.Queries.Count);
        Assert.All(summary.Queries, q => Assert.NotEmpty(q.Relevant));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
