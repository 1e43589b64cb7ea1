using BlogSemanticIndex.Search.Keyword;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlogSemanticIndex.Search;

/// <summary>
/// The hits of one page of a ranking: each post's title, slug and dates, and a snippet from its chunk that matches
/// the query best. Posts and chunks are read in one round trip.
/// </summary>
public sealed class SearchHitBuilder(NpgsqlDataSource dataSource, IOptions<SearchOptions> options)
{
    private readonly int _snippetLength = options.Value.SnippetLength;

    internal sealed record PostRow(string Title, string? Slug, DateTimeOffset Created);

    private sealed record ChunkRow(long Id, int Ordinal, string Text, int CharStart);

    /// <summary>
    /// Hits for <paramref name="page"/>, in its order. The snippet's chunk is the one matching most query terms and
    /// pieces; among equals (or when none matches) the semantic leg's best chunk, then the earliest. A post deleted
    /// since it was ranked is left out rather than shown half-known.
    /// </summary>
    public async Task<IReadOnlyList<SearchHit>> BuildAsync(string query, IReadOnlyList<RankedPost> page, CancellationToken cancellationToken = default)
    {
        if (page.Count == 0)
        {
            return [];
        }
        var cids = page.Select(p => p.Cid).ToArray();
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(PostsCommand(cids));
        var chunkCommand = new NpgsqlBatchCommand("SELECT cid, id, ordinal, text, char_start FROM chunks WHERE cid = ANY($1) ORDER BY cid, ordinal");
        chunkCommand.Parameters.Add(new NpgsqlParameter { Value = cids });
        batch.BatchCommands.Add(chunkCommand);
        Dictionary<long, PostRow> posts;
        var chunks = new Dictionary<long, List<ChunkRow>>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            posts = await ReadPostRowsAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var cid = reader.GetInt64(0);
                if (!chunks.TryGetValue(cid, out var list))
                {
                    chunks[cid] = list = [];
                }
                list.Add(new ChunkRow(reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4)));
            }
        }

        var terms = KeywordQuery.Parse(query).Terms.Select(t => t.Term).ToHashSet(StringComparer.Ordinal);
        var pieces = KeywordSearcher.LikePieces(query);
        var hits = new List<SearchHit>(page.Count);
        foreach (var ranked in page)
        {
            if (!posts.TryGetValue(ranked.Cid, out var post))
            {
                continue;
            }
            var snippet = new Snippet("", 0, 0);
            if (chunks.TryGetValue(ranked.Cid, out var postChunks) && postChunks.Count > 0)
            {
                var best = postChunks
                    .Select(c => WithoutHeader(c, post.Title))
                    .Select(c => (Chunk: c, Match: SnippetBuilder.Match(c.Text, terms, pieces)))
                    .OrderByDescending(c => c.Match.Score)
                    .ThenByDescending(c => c.Chunk.Id == ranked.SemanticChunkId)
                    .ThenBy(c => c.Chunk.Ordinal)
                    .First();
                snippet = SnippetBuilder.Build(best.Match, best.Chunk.CharStart, _snippetLength);
            }
            hits.Add(new SearchHit(ranked.Cid, post.Title, post.Slug, post.Created, post.Created.ToUnixTimeSeconds(), ranked.Score,
                snippet.Html, snippet.Start, snippet.End));
        }
        return hits;
    }

    /// <summary>
    /// The first chunk without the document's header — the title, then categories and tags, each on its line, then a
    /// blank line (PostTextExtractor.BuildDocument) — which a hit shows already: a snippet starts in the body. Only
    /// when the chunk's first line is the post's title, so a post without one keeps its first paragraph.
    /// </summary>
    private static ChunkRow WithoutHeader(ChunkRow chunk, string title)
    {
        var firstLineEnd = chunk.Text.IndexOf('\n', StringComparison.Ordinal);
        if (chunk.Ordinal != 0 || firstLineEnd <= 0 || Whitespace.Collapse(chunk.Text[..firstLineEnd]) != Whitespace.Collapse(title))
        {
            return chunk;
        }
        var headerEnd = chunk.Text.IndexOf("\n\n", firstLineEnd, StringComparison.Ordinal);
        // At most three header lines; a chunk that is all header (a post without a body) keeps it.
        if (headerEnd < 0 || chunk.Text.AsSpan(0, headerEnd).Count('\n') > 2)
        {
            return chunk;
        }
        var bodyStart = headerEnd + 2;
        return chunk with { Text = chunk.Text[bodyStart..], CharStart = chunk.CharStart + bodyStart };
    }

    /// <summary>Title, slug and creation time of the posts among <paramref name="cids"/> that are in the index.</summary>
    internal static async Task<Dictionary<long, PostRow>> ReadPostsAsync(NpgsqlDataSource dataSource, long[] cids, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(PostsCommand(cids));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadPostRowsAsync(reader, cancellationToken);
    }

    private static NpgsqlBatchCommand PostsCommand(long[] cids)
    {
        var command = new NpgsqlBatchCommand("SELECT cid, title, slug, created_at FROM posts WHERE cid = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = cids });
        return command;
    }

    private static async Task<Dictionary<long, PostRow>> ReadPostRowsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var posts = new Dictionary<long, PostRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            posts[reader.GetInt64(0)] = new PostRow(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3));
        }
        return posts;
    }
}
