using System.Text;
using BlogSemanticIndex.Search.Keyword;

namespace BlogSemanticIndex.Search;

/// <summary>A snippet as HTML (only <c>&lt;mark&gt;</c> tags, everything else escaped) and its span in the post's text.</summary>
public sealed record Snippet(string Html, int Start, int End);

/// <summary>A chunk's matches of a query (<see cref="SnippetBuilder.Match"/>): its score and the spans to mark, unmerged.</summary>
public sealed record ChunkMatch(string Text, int Score, IReadOnlyList<(int Start, int End)> Spans);

/// <summary>
/// Cuts a window from a chunk around the query's matches and marks them. Matches are the chunk's analysed
/// terms that are query terms (so <c>Errors</c> is marked for <c>error</c>, 算法 for 新词算法) and
/// case-insensitive occurrences of the query's space-separated pieces (Typecho's substring match).
/// </summary>
public static class SnippetBuilder
{
    private const char Ellipsis = '…';

    /// <param name="text">The chunk's text.</param>
    /// <param name="chunkStart">Where the chunk starts in the post's text (the snippet's span is relative to the post).</param>
    /// <param name="length">The window's length in UTF-16 characters.</param>
    public static Snippet Build(string text, int chunkStart, IReadOnlySet<string> queryTerms, IReadOnlyList<string> pieces, int length) =>
        Build(Match(text, queryTerms, pieces), chunkStart, length);

    /// <summary>The snippet of a chunk already matched (<see cref="Match"/>), so choosing the chunk and marking it analyse it once.</summary>
    public static Snippet Build(ChunkMatch match, int chunkStart, int length)
    {
        var text = match.Text;
        var marks = Merged(match.Spans);
        var (start, end) = Window(text, marks, length);
        var html = new StringBuilder(end - start + 32);
        if (start > 0)
        {
            html.Append(Ellipsis);
        }
        var position = start;
        foreach (var (markStart, markEnd) in marks)
        {
            var s = Math.Max(markStart, start);
            var e = Math.Min(markEnd, end);
            if (s >= e)
            {
                continue;
            }
            AppendEscaped(html, text.AsSpan(position, s - position));
            html.Append("<mark>");
            AppendEscaped(html, text.AsSpan(s, e - s));
            html.Append("</mark>");
            position = e;
        }
        AppendEscaped(html, text.AsSpan(position, end - position));
        if (end < text.Length)
        {
            html.Append(Ellipsis);
        }
        return new Snippet(html.ToString(), chunkStart + start, chunkStart + end);
    }

    /// <summary>
    /// The query's matches in <paramref name="text"/>, from one run of the analyzer: the spans of its terms that are
    /// query terms and of the pieces' whole-word occurrences, and the score — one per distinct query term found, two
    /// per piece that occurs.
    /// </summary>
    public static ChunkMatch Match(string text, IReadOnlySet<string> queryTerms, IReadOnlyList<string> pieces)
    {
        var spans = new List<(int Start, int End)>();
        HashSet<string>? found = null;
        if (queryTerms.Count > 0)
        {
            foreach (var token in TextAnalyzer.Analyze(text))
            {
                if (queryTerms.Contains(token.Term))
                {
                    spans.Add((token.Start, token.End));
                    (found ??= new HashSet<string>(StringComparer.Ordinal)).Add(token.Term);
                }
            }
        }
        var score = found?.Count ?? 0;
        foreach (var piece in pieces)
        {
            var before = spans.Count;
            foreach (var at in PieceOccurrences(text, piece))
            {
                spans.Add((at, at + piece.Length));
            }
            if (spans.Count > before)
            {
                score += 2;
            }
        }
        return new ChunkMatch(text, score, spans);
    }

    /// <summary>Sorted, merged spans to mark; never splits a surrogate pair (analyzer spans are whole runes).</summary>
    private static List<(int Start, int End)> Merged(IReadOnlyList<(int Start, int End)> matches)
    {
        var spans = matches.ToList();
        spans.Sort();
        var merged = new List<(int Start, int End)>();
        foreach (var span in spans)
        {
            if (merged.Count > 0 && span.Start <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, span.End));
            }
            else
            {
                merged.Add(span);
            }
        }
        return merged;
    }

    /// <summary>
    /// Where a query piece occurs in <paramref name="text"/> (case-insensitive) as whole words: a piece that starts
    /// (ends) with a Latin letter or digit must not be preceded (followed) by one, so <c>to</c> is never marked in
    /// <c>Storing</c>. CJK has no word boundaries: a CJK edge matches anywhere.
    /// </summary>
    internal static IEnumerable<int> PieceOccurrences(string text, string piece)
    {
        if (piece.Length == 0)
        {
            yield break;
        }
        var startsWithWord = IsWordChar(text: piece, index: 0, before: false);
        var endsWithWord = IsWordChar(text: piece, index: piece.Length, before: true);
        for (var at = text.IndexOf(piece, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = text.IndexOf(piece, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + piece.Length;
            if (startsWithWord && at > 0 && IsWordChar(text, at, before: true)
                || endsWithWord && end < text.Length && IsWordChar(text, end, before: false))
            {
                continue;
            }
            yield return at;
        }
    }

    /// <summary>Whether the rune just before (or at) <paramref name="index"/> is a Latin-script letter or digit (not CJK).</summary>
    private static bool IsWordChar(string text, int index, bool before)
    {
        var status = before
            ? Rune.DecodeLastFromUtf16(text.AsSpan(0, index), out var rune, out _)
            : Rune.DecodeFromUtf16(text.AsSpan(index), out rune, out _);
        return status == System.Buffers.OperationStatus.Done && Rune.IsLetterOrDigit(rune) && !TextAnalyzer.IsCjk(rune);
    }

    /// <summary>
    /// The window with the most marks among those starting a little before a mark (the chunk's start when
    /// nothing matched), widened to word boundaries and kept off the middle of a surrogate pair.
    /// </summary>
    private static (int Start, int End) Window(string text, List<(int Start, int End)> marks, int length)
    {
        if (text.Length <= length)
        {
            return (0, text.Length);
        }
        var lead = length / 4;
        var bestStart = 0;
        var bestCount = -1;
        for (var i = 0; i < marks.Count; i++)
        {
            var candidate = Math.Max(0, marks[i].Start - lead);
            var count = marks.Count(m => m.Start >= candidate && m.End <= candidate + length);
            if (count > bestCount)
            {
                (bestStart, bestCount) = (candidate, count);
            }
        }
        var start = Math.Min(bestStart, text.Length - length);
        // Start at a word boundary when one is near (Chinese has none; it is cut anywhere but a surrogate pair).
        var limit = Math.Min(text.Length, start + Math.Min(16, lead));
        for (var i = start; start > 0 && i < limit; i++)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                start = i + 1;
                break;
            }
        }
        var end = Math.Min(text.Length, start + length);
        if (start > 0 && char.IsLowSurrogate(text[start]))
        {
            start++;
        }
        if (end < text.Length && char.IsLowSurrogate(text[end]))
        {
            end--;
        }
        return (start, end);
    }

    private static void AppendEscaped(StringBuilder html, ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': html.Append("&amp;"); break;
                case '<': html.Append("&lt;"); break;
                case '>': html.Append("&gt;"); break;
                case '"': html.Append("&quot;"); break;
                case '\'': html.Append("&#39;"); break;
                default: html.Append(c); break;
            }
        }
    }
}
