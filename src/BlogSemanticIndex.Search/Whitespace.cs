namespace BlogSemanticIndex.Search;

internal static class Whitespace
{
    /// <summary>
    /// <paramref name="text"/> with every run of whitespace made one space and none at either end: the form in which two
    /// queries (or a title and a chunk's first line) count as the same text.
    /// </summary>
    public static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
