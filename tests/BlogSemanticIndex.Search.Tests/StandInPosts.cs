using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>
/// Writes one-chunk posts with their keyword statistics the way the indexer does (one batch, one transaction),
/// under a 3-dimensional stand-in model: for tests of the keyword side, which never needs real vectors.
/// </summary>
internal static class StandInPosts
{
    public static async Task WriteAsync(TestIndexDatabase database, IEnumerable<(long Cid, string Text)> posts)
    {
        var writer = new IndexWriter(database.DataSource);
        var model = await writer.RegisterModelAsync("stand-in", "1", 3);
        var records = posts.Select(p => new PostRecord(p.Cid, "post", $"post {p.Cid}", $"p{p.Cid}", DateTimeOffset.UnixEpoch,
            DateTimeOffset.UnixEpoch, SHA256.HashData(Encoding.UTF8.GetBytes(p.Text)),
            [new ChunkRecord(0, p.Text, 0, p.Text.Length, 0, SHA256.HashData(Encoding.UTF8.GetBytes(p.Text)))])).ToList();
        var vectors = records.SelectMany(r => r.Chunks).Select(c => Convert.ToHexString(c.TextHash)).Distinct()
            .ToDictionary(h => h, _ => new float[] { 1, 0, 0 });
        var keyword = new KeywordIndexWriter();
        await writer.WriteBatchAsync(model, records, vectors, [], [], "test", null, (c, t, ids, ct) => keyword.WriteAsync(c, t, ids, ct));
    }
}
