using System.Net.Http.Json;
using System.Text.Json;
using BlogSemanticIndex.Embedding.Checkpoints;
using BlogSemanticIndex.Embedding.Modeling;
using BlogSemanticIndex.TestSupport;
using Npgsql;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// The Chinese model path end to end through the real <c>bsi</c>: a model of exactly bge-small-zh-v1.5's shape (its
/// config and tokenizer from <c>../shared/data/models/bge-small-zh-v1.5-no-weights</c>, 512 dimensions, CLS pooling,
/// normalised) with random weights, as <c>Encoder:Model</c> — what a blog owner gets after <c>bsi model pull
/// BAAI/bge-small-zh-v1.5</c>, minus the trained weights (the hub is unreachable here). Random weights still map a text
/// to one fixed vector, so searching a chunk's own text must find its post first through the semantic leg.
/// </summary>
public sealed class ChineseModelTests
{
    private const string ShapeFolder = "models/bge-small-zh-v1.5-no-weights";

    [SkippableFact]
    public async Task A_chinese_blog_on_a_bge_small_zh_shaped_model_is_indexed_searched_whitened_and_related()
    {
        var model = WriteRandomModel(SharedData.Require(ShapeFolder));
        await using var database = await TestIndexDatabase.CreateAsync();
        var blog = Path.Combine(Path.GetTempPath(), $"bsi-zh-{Guid.NewGuid():N}.db");
        try
        {
            var summary = BlogSemanticIndex.Demo.DemoBlog.Create(blog, postCount: 30);
            var environment = ServeCommandTests.Environment(database.ConnectionString);
            environment["BSI__Blog__Provider"] = "sqlite";
            environment["BSI__Blog__ConnectionString"] = $"Data Source={blog}";
            environment["BSI__Encoder__Model"] = model;
            environment["BSI__Encoder__Device"] = "cpu";

            // Index.
            var reindex = await BsiProcess.RunAsync(environment, "reindex", "--all");
            Assert.True(reindex.ExitCode == 0, reindex.Output);
            Assert.Matches($@"posts written\s*│\s*{summary.Visible}\s", reindex.Output);
            var dimensions = await ScalarAsync<int>(database, "SELECT vector_dims(e.embedding) FROM chunk_embeddings e LIMIT 1");
            Assert.Equal(512, dimensions);

            // The status says the encoder reads the blog's Chinese, so nothing falls back to keywords.
            var status = await BsiProcess.RunAsync(environment, "status");
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.Matches(@"Han: \d+% of the text, encoder coverage 100%", status.Output);
            Assert.DoesNotContain("cannot read it", status.Output);

            // Whitening refit on the new vectors, and made the live version.
            var fit = await BsiProcess.RunAsync(environment, "whitening", "fit", "--dims", "64");
            Assert.True(fit.ExitCode == 0, fit.Output);
            Assert.Equal(64, await ScalarAsync<int>(database, """
                SELECT w.dims FROM whitening_models w JOIN active_index a ON a.whitening_version = w.version
                """));

            // A Chinese chunk whose text no other chunk has: searching its text must find its post first.
            var (cid, text) = await FirstAsync(database, """
                SELECT c.cid, c.text FROM chunks c
                WHERE c.text ~ '[一-龥]' AND length(c.text) BETWEEN 20 AND 500
                  AND (SELECT count(*) FROM chunks o WHERE o.text = c.text) = 1
                ORDER BY c.cid, c.ordinal LIMIT 1
                """, r => (r.GetInt64(0), r.GetString(1)));

            var url = $"http://127.0.0.1:{ServeCommandTests.FreePort()}";
            environment["BSI__Indexer__Enabled"] = "false";
            environment["BSI__Search__RateLimitPerMinute"] = "0";
            environment["BSI__Search__Timeout"] = "00:01:00"; // a shared test machine, not the latency under test
            using var bsi = BsiProcess.Start(environment, "serve", "--urls", url);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await WaitForModelAsync(http, url, bsi);

            var semantic = await SearchAsync(http, url, text, "semantic");
            Assert.Equal(cid, semantic[0].GetProperty("cid").GetInt64());
            Assert.True(semantic[0].GetProperty("score").GetDouble() > 0.999, semantic[0].ToString());

            // Hybrid: the semantic leg takes part for Chinese now (full coverage), and the post is still first.
            var hybrid = await SearchAsync(http, url, text, "hybrid");
            Assert.Equal(cid, hybrid[0].GetProperty("cid").GetInt64());

            // Related posts come from the vectors (cosine similarities, at most 1), not from the keyword fallback.
            var related = await http.GetFromJsonAsync<JsonElement>($"{url}/posts/{cid}/related?limit=3");
            var posts = related.GetProperty("posts").EnumerateArray().ToList();
            Assert.Equal(3, posts.Count);
            Assert.DoesNotContain(posts, p => p.GetProperty("cid").GetInt64() == cid);
            Assert.All(posts, p => Assert.InRange(p.GetProperty("score").GetDouble(), -1.0, 1.0 + 1e-6));

            bsi.Terminate();
            await bsi.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            File.Delete(blog);
            Directory.Delete(model, recursive: true);
        }
    }

    /// <summary>
    /// A sentence-transformers folder of the shape's config and tokenizer files, random weights (seeded), CLS pooling
    /// and normalisation, as bge-small-zh-v1.5 ships them.
    /// </summary>
    private static string WriteRandomModel(string shape)
    {
        var folder = Directory.CreateTempSubdirectory("bsi-bge-small-zh-shape-").FullName;
        foreach (var file in Directory.GetFiles(shape))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        var config = BertConfig.Load(Path.Combine(shape, "config.json"));
        random.manual_seed(13);
        using (var bert = new BertModel(config))
        {
            SafeTensors.Save(Path.Combine(folder, CheckpointLoader.SafeTensorsFile), bert.state_dict());
        }
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"),
            $$"""{"word_embedding_dimension": {{config.HiddenSize}}, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
        File.WriteAllText(Path.Combine(folder, "modules.json"), """
            [{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
             {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
             {"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]
            """);
        return folder;
    }

    private static async Task<List<JsonElement>> SearchAsync(HttpClient http, string url, string query, string mode)
    {
        using var answer = await http.GetAsync($"{url}/search?q={Uri.EscapeDataString(query)}&mode={mode}");
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{(int)answer.StatusCode}: {body}");
        var response = JsonDocument.Parse(body).RootElement;
        Assert.Equal(mode, response.GetProperty("mode").GetString());
        return [.. response.GetProperty("hits").EnumerateArray()];
    }

    private static async Task WaitForModelAsync(HttpClient http, string url, BsiProcess bsi)
    {
        await ServeCommandTests.WaitForHealthzAsync(http, url, bsi);
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (true)
        {
            var health = JsonDocument.Parse(await http.GetStringAsync($"{url}/healthz"));
            if (health.RootElement.GetProperty("status").GetString() == "healthy")
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"/healthz never became healthy: {health.RootElement}\n{bsi.Output}");
            await Task.Delay(250);
        }
    }

    private static async Task<T> ScalarAsync<T>(TestIndexDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<T> FirstAsync<T>(TestIndexDatabase database, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no row");
        return read(reader);
    }
}
