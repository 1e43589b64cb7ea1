using System.Text;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// Posts that break naive pipelines. Each is either indexed or recorded as skipped with a logged reason, and the
/// posts around it index normally in the same batch.
/// </summary>
public sealed class PoisonedPostTests(EncoderFixture encoder, ITestOutputHelper output) : SqliteBlogTests(encoder)
{
    [Fact]
    public async Task Poisoned_posts_are_indexed_or_skipped_with_a_logged_reason_and_the_others_still_index()
    {
        await H.InsertPostAsync(1, "Before", "<!--markdown-->An ordinary post.", T - 900);
        // 500 KB of one word.
        await H.InsertPostAsync(2, "One word", "<!--markdown-->" + string.Join(' ', Enumerable.Repeat("semantic", 500_000 / 9)), T - 899);
        // Invalid UTF-8 bytes (SQLite keeps whatever bytes it is given, as a broken import leaves them).
        await H.Blog.ExecuteAsync(
            "INSERT INTO \"typecho_contents\" (\"cid\", \"title\", \"slug\", \"created\", \"modified\", \"text\", \"type\", \"status\") " +
            $"VALUES (3, 'Broken bytes', 'broken', {T - 898}, {T - 898}, CAST(X'48656C6C6FFF20C3776F726C64' AS TEXT), 'post', 'publish')");
        // A 1 MB HTML table.
        var table = new StringBuilder("<table>");
        while (table.Length < 1_000_000)
        {
            table.Append("<tr><td>cell</td><td>value</td></tr>");
        }
        await H.InsertPostAsync(4, "Big table", table.Append("</table>").ToString(), T - 897);
        // Only emoji.
        await H.InsertPostAsync(5, "🎉", "<!--markdown-->" + string.Concat(Enumerable.Repeat("😀🎉🚀", 100)), T - 896);
        // Nothing left after cleaning.
        await H.InsertPostAsync(6, "Markup only", "<p> <br/> </p>", T - 895);
        await H.InsertPostAsync(7, "After", "<!--markdown-->Another ordinary post.", T - 894);

        var result = await H.PollAsync(IndexerHarness.TestOptions(pageSize: 64));

        var indexed = await H.IndexedCidsAsync();
        var skipped = await H.SkippedAsync();
        output.WriteLine($"{result}; indexed: {string.Join(", ", indexed)}; skipped: {string.Join("; ", skipped.Select(s => $"{s.Key}: {s.Value}"))}");
        Assert.Contains(1L, indexed);
        Assert.Contains(7L, indexed);
        for (long cid = 2; cid <= 6; cid++)
        {
            Assert.True(indexed.Contains(cid) ^ skipped.ContainsKey(cid), $"post {cid} should be either indexed or skipped");
            if (skipped.TryGetValue(cid, out var reason))
            {
                Assert.False(string.IsNullOrWhiteSpace(reason));
                Assert.Contains(H.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"Post {cid}") && e.Message.Contains(reason));
            }
        }
        Assert.Contains(6L, skipped.Keys);
        Assert.Equal(skipped.Count, result.PostsSkipped);
        // The broken bytes are indexed as U+FFFD, with a warning that says so.
        Assert.Contains(3L, indexed);
        Assert.Contains(H.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Post 3") && e.Message.Contains("invalid"));
        // Repeated text is embedded once however many chunks share it.
        var bigPost = (await H.EmbeddingRowsAsync()).Where(r => r.Cid == 2).ToList();
        Assert.True(bigPost.Count > 100);
        Assert.True(bigPost.Select(r => r.TextHash).Distinct().Count() < 10);

        // A skipped post is not retried until it changes; once it has text it is indexed.
        Assert.Equal(0, (await H.PollAsync()).ChunksEmbedded);
        await H.Blog.UpdatePostAsync(6, $"{H.Blog.Q("text")} = '<p>Now with words.</p>', {H.Blog.Q("modified")} = @m", ("m", T - 10));
        await H.PollAsync();
        Assert.Contains(6L, await H.IndexedCidsAsync());
        Assert.DoesNotContain(6L, (await H.SkippedAsync()).Keys);
    }
}
