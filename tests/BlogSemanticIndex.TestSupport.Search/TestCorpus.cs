using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.TestSupport.Search;

/// <summary>A small blog written into its own schema through the real IndexWriter, encoder and keyword index writer.</summary>
public sealed class TestCorpus : IAsyncDisposable
{
    public static readonly IReadOnlyList<(long Cid, string Title, string Body)> Posts =
    [
        (1, "Fixing flaky Wi-Fi at home", "My laptop kept dropping off the wireless network every few minutes. Moving the router away from the microwave and switching to the 5 GHz band made the signal stable again."),
        (2, "Tomato garden notes", "Watering schedule for the tomato beds: a deep soak twice a week. The sprinkler controller logged ERR_CONN_4402 once after a power cut, then recovered by itself."),
        (3, "Debugging connection timeouts in PostgreSQL", "Our service failed with connection timeout errors under load. The pool was too small; raising Max Pool Size and adding retries fixed the network errors."),
        (4, "Static site generator release", "Release notes: version v2.14.3 fixes the RSS feed and the sitemap, and v2.14.2 added dark mode."),
        (5, "新词发现与分词", "本文介绍一种基于统计的新词发现方法，并讨论分词中常用的算法，例如互信息和左右熵。"),
        (6, "周末去爬山", "天气很好，我们一起去山里徒步，拍了很多照片。"),
        (7, "Baking sourdough bread", "A long cold fermentation gives the loaf an open crumb and a tangy flavour."),
        (8, "Learning C++ templates", "Template metaprogramming in C++ lets the compiler compute values at compile time."),
        (9, "Escaping HTML in comments", "Never echo <script>alert('x')</script> or a fake <mark>badge</mark> from user comments; escape & and quotes before output."),
        (10, "Running in the rain", "Jogging through a downpour is fun if you wear a light waterproof jacket."),
        (11, "Python naming", "PEP 8 recommends snake_case for function names and CapWords for classes."),
        (12, "Emoji and 𠀀 rare characters", "Text with 😀 emoji and the rare character 𠀀𠀁 must never be cut inside a surrogate pair when 算法 is marked."),
    ];

    private TestCorpus(TestIndexDatabase database, SearchService search, RelatedPosts related, SearchOptions options)
    {
        Database = database;
        Search = search;
        Related = related;
        Options = options;
    }

    public TestIndexDatabase Database { get; }

    public SearchService Search { get; }

    public RelatedPosts Related { get; }

    public SearchOptions Options { get; }

    /// <summary>The indexed text of a post: the title on the first line, then the body (as the indexer builds it).</summary>
    public static string DocumentText(long cid) => Posts.Single(p => p.Cid == cid) is var p ? $"{p.Title}\n{p.Body}" : "";

    public static async Task<TestCorpus> CreateAsync(SentenceEncoder encoder, SearchOptions? options = null)
    {
        var database = await TestIndexDatabase.CreateAsync();
        options ??= new SearchOptions();
        var writer = new IndexWriter(database.DataSource);
        var info = encoder.Info;
        var model = await writer.RegisterModelAsync(info.Name, info.Revision, info.Dimensions);
        var records = new List<PostRecord>();
        var texts = new List<string>();
        foreach (var (cid, title, body) in Posts)
        {
            var text = $"{title}\n{body}";
            // Two chunks for the long-ish posts would exercise the overlap; one chunk keeps the oracle simple.
            var chunk = new ChunkRecord(0, text, 0, text.Length, encoder.Tokenize(text).Length - 2, SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            var created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + cid * 86_400);
            records.Add(new PostRecord(cid, "post", title, $"post-{cid}", created, created, SHA256.HashData(Encoding.UTF8.GetBytes(text)), [chunk]));
            texts.Add(text);
        }
        var vectors = encoder.Encode(texts);
        var embeddings = records.Select((r, i) => (Key: Convert.ToHexString(r.Chunks[0].TextHash), Vector: vectors[i]))
            .ToDictionary(x => x.Key, x => x.Vector);
        var keywordWriter = new KeywordIndexWriter();
        await writer.WriteBatchAsync(model, records, embeddings, [], [], "test", null,
            (connection, transaction, chunkIds, ct) => keywordWriter.WriteAsync(connection, transaction, chunkIds, ct));
        await writer.ActivateModelAsync(model);

        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        var ds = database.DataSource;
        var keyword = new KeywordSearcher(ds);
        var semantic = new SemanticSearcher(ds, new WhiteningStore(ds), new SentenceEncoderQueryEmbedder(encoder), wrapped);
        return new TestCorpus(database, new SearchService(ds, keyword, semantic, wrapped), new RelatedPosts(ds, keyword, semantic, wrapped), options);
    }

    /// <summary>
    /// What Typecho's own search returns, computed independently in memory: every space-separated piece of the
    /// query occurs, in order, in the title or in the text, ignoring case.
    /// </summary>
    public static IReadOnlySet<long> TypechoLikeMatches(string query)
    {
        var pieces = query.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Posts.Where(p => ContainsInOrder(p.Title, pieces) || ContainsInOrder(DocumentText(p.Cid), pieces)).Select(p => p.Cid).ToHashSet();
    }

    private static bool ContainsInOrder(string text, string[] pieces)
    {
        var at = 0;
        foreach (var piece in pieces)
        {
            var found = text.IndexOf(piece, at, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return false;
            }
            at = found + piece.Length;
        }
        return true;
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
