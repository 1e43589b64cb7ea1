namespace BlogSemanticIndex.Sources.Tests;

/// <summary>A row of the contents table as the tests insert it (times in unix seconds, like Typecho).</summary>
internal sealed record TestPost(
    long Cid,
    string Title,
    long Created,
    long Modified,
    string Type = "post",
    string Status = "publish",
    string? Password = null,
    string Text = "<!--markdown-->Body",
    long AuthorId = 1)
{
    public string Slug { get; init; } = $"post-{Cid}";
}
