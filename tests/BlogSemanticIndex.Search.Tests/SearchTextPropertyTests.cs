using BlogSemanticIndex.Search.Keyword;
using CsCheck;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>
/// Random English, Chinese, emoji, identifier and HTML-special text through the query parser and the snippet builder:
/// neither throws, and every snippet is safe HTML over a span inside the text.
/// </summary>
public sealed class SearchTextPropertyTests
{
    // Pieces rather than single chars, so surrogate pairs stay whole in the input and words recur between text and query.
    private static readonly Gen<string> Text = Gen.OneOf(
            "search", "Search", "errors", " ", " ", "\n", "\t", "算法", "新词", "发现", "。", "😀", "𠀀", "<", ">", "&", "\"", "'",
            "<mark>", "ERR_CONN_4402", "v2.14.3", "C++", "c#", "x", "-", "_", ".", "é", "e\u0301", "ﬁ", "Ⅻ", "\u00a0", "%", "*")
        .Array[0, 120].Select(string.Concat);

    [Fact]
    public void Query_terms_never_throw()
    {
        Text.Sample(query =>
        {
            var keywordQuery = KeywordQuery.Parse(query);
            Assert.All(keywordQuery.Terms, t => Assert.False(string.IsNullOrEmpty(t.Term)));
            Assert.All(keywordQuery.Terms, t => Assert.InRange(t.Weight, 1, 2 * query.Length));
            Assert.InRange(keywordQuery.MinimumShouldMatch, 1, Math.Max(1, keywordQuery.TotalWeight));
            _ = KeywordSearcher.LikePieces(query);
        });
    }

    [Fact]
    public void Snippets_are_escaped_html_with_closed_marks_over_a_span_inside_the_text_that_cuts_no_surrogate_pair()
    {
        Gen.Select(Text, Text, Gen.Int[40, 300], Gen.Int[0, 10_000], (t, q, l, c) => (t, q, l, c)).Sample((text, query, length, chunkStart) =>
        {
            var terms = KeywordQuery.Parse(query).Terms.Select(t => t.Term).ToHashSet(StringComparer.Ordinal);
            var snippet = SnippetBuilder.Build(text, chunkStart, terms, KeywordSearcher.LikePieces(query), length);

            Assert.InRange(snippet.Start, chunkStart, snippet.End);
            Assert.InRange(snippet.End, snippet.Start, chunkStart + text.Length);
            Assert.False(CutsPair(text, snippet.Start - chunkStart) || CutsPair(text, snippet.End - chunkStart), "span cuts a surrogate pair");
            AssertMarksClosed(snippet.Html);
            var withoutMarks = snippet.Html.Replace("<mark>", "", StringComparison.Ordinal).Replace("</mark>", "", StringComparison.Ordinal);
            Assert.DoesNotContain('<', withoutMarks);
            Assert.DoesNotContain('>', withoutMarks);
            Assert.False(Api.SearchApi.HasLoneSurrogate(snippet.Html), "snippet has a lone surrogate");
        });
    }

    private static bool CutsPair(string text, int offset) =>
        offset > 0 && offset < text.Length && char.IsHighSurrogate(text[offset - 1]) && char.IsLowSurrogate(text[offset]);

    private static void AssertMarksClosed(string html)
    {
        var open = false;
        for (var i = html.IndexOf('<'); i >= 0; i = html.IndexOf('<', i + 1))
        {
            if (html.AsSpan(i).StartsWith("<mark>"))
            {
                Assert.False(open, $"nested <mark> in {html}");
                open = true;
            }
            else if (html.AsSpan(i).StartsWith("</mark>"))
            {
                Assert.True(open, $"</mark> without <mark> in {html}");
                open = false;
            }
        }
        Assert.False(open, $"unclosed <mark> in {html}");
    }
}
