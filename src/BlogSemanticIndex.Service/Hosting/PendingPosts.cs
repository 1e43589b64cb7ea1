using BlogSemanticIndex.Sources;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Configuration;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>The next poll's work, for <c>bsi status</c> and <c>/admin/status</c>.</summary>
internal static class PendingPosts
{
    /// <summary>
    /// Visible posts of the blog that the index lacks or holds in an older version (the next poll's work); null
    /// when no blog is configured. Skipped posts count as done until they change.
    /// </summary>
    public static async Task<int?> CountAsync(IConfiguration configuration, Npgsql.NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        var blog = configuration.GetSection(BlogSourceOptions.SectionName).Get<BlogSourceOptions>();
        if (blog is null || string.IsNullOrWhiteSpace(blog.ConnectionString))
        {
            return null;
        }
        await using var source = TypechoSourceFactory.Create(blog);
        var visible = await source.ReadVisibleStampsAsync(cancellationToken);
        var indexed = await new IndexWriter(dataSource).ReadPostStampsAsync(cancellationToken);
        var skipped = new HashSet<long>();
        await using (var command = dataSource.CreateCommand("SELECT cid FROM skipped_posts"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                skipped.Add(reader.GetInt64(0));
            }
        }
        return visible.Count(v => !skipped.Contains(v.Cid) && (!indexed.TryGetValue(v.Cid, out var stamp) || stamp.Modified != v.Modified));
    }
}
