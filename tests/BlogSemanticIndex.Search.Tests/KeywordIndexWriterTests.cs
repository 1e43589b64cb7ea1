using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>The keyword statistics written beside the chunks (no encoder needed: a 3-dimensional stand-in model).</summary>
public sealed class KeywordIndexWriterTests
{
    private static ChunkRecord Chunk(string document, int ordinal, int start, int end) =>
        new(ordinal, document[start..end], start, end, 0, SHA256.HashData(Encoding.UTF8.GetBytes(document[start..end])));

    private static async Task WriteAsync(TestIndexDatabase database, params (long Cid, string Document, ChunkRecord[] Chunks)[] posts)
    {
        var writer = new IndexWriter(database.DataSource);
        var model = await writer.RegisterModelAsync("stand-in", "1", 3);
        var records = posts.Select(p => new PostRecord(p.Cid, "post", $"post {p.Cid}", $"p{p.Cid}", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            SHA256.HashData(Encoding.UTF8.GetBytes(p.Document)), p.Chunks)).ToList();
        var vectors = records.SelectMany(r => r.Chunks).Select(c => Convert.ToHexString(c.TextHash)).Distinct().ToDictionary(h => h, _ => new float[] { 1, 0, 0 });
        var keyword = new KeywordIndexWriter();
        await writer.WriteBatchAsync(model, records, vectors, [], [], "test", null, (c, t, ids, ct) => keyword.WriteAsync(c, t, ids, ct));
    }

    private static async Task<Dictionary<string, int>> PostingsAsync(TestIndexDatabase database, long cid)
    {
        await using var command = database.DataSource.CreateCommand("SELECT term, tf FROM keyword_postings WHERE cid = @cid");
        command.Parameters.AddWithValue("cid", cid);
        await using var reader = await command.ExecuteReaderAsync();
        var postings = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            postings[reader.GetString(0)] = reader.GetInt32(1);
        }
        return postings;
    }

    [Fact]
    public async Task Overlapping_chunks_count_each_word_of_the_document_once()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        const string document = "alpha beta gamma delta epsilon alpha";
        // Chunks [0, 22) and [11, 36) overlap on "gamma delta".
        await WriteAsync(database, (1, document, [Chunk(document, 0, 0, 22), Chunk(document, 1, 11, 36)]));

        var postings = await PostingsAsync(database, 1);

        var expected = TextAnalyzer.Analyze(document).GroupBy(t => t.Term).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), postings.OrderBy(e => e.Key));
        await using var length = database.DataSource.CreateCommand("SELECT length FROM keyword_docs WHERE cid = 1");
        Assert.Equal(6, (int)(await length.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Rewriting_a_post_replaces_its_statistics()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await WriteAsync(database, (1, "old words", [Chunk("old words", 0, 0, 9)]), (2, "other post", [Chunk("other post", 0, 0, 10)]));

        await WriteAsync(database, (1, "new text", [Chunk("new text", 0, 0, 8)]));

        Assert.Equal(["new", "text"], (await PostingsAsync(database, 1)).Keys.Order());
        Assert.Equal(["other", "post"], (await PostingsAsync(database, 2)).Keys.Order());
    }
}
