namespace BlogSemanticIndex.Search.Tests;

public sealed class SnippetBuilderTests
{
    private static readonly HashSet<string> NoTerms = [];

    [Fact]
    public void Query_terms_are_marked_and_everything_else_escaped()
    {
        var snippet = SnippetBuilder.Build("Use <b>errors</b> & \"quotes\"", 100, new HashSet<string> { "error" }, [], 240);

        Assert.Equal("Use &lt;b&gt;<mark>errors</mark>&lt;/b&gt; &amp; &quot;quotes&quot;", snippet.Html);
        Assert.Equal((100, 128), (snippet.Start, snippet.End));
    }

    [Fact]
    public void LaTeX_and_indented_code_of_a_Markdown_post_reach_the_snippet_as_written_and_escaped()
    {
        // A formula-heavy Chinese paragraph and a Python block as Typecho stores a Markdown post, through the extractor.
        var text = new Text.PostTextExtractor().ExtractBody(Text.PostTextExtractor.MarkdownMarker
            + "设$\\boldsymbol{w}_{\\alpha}\\in\\mathbb{R}^{4d}$为参数，见式$\\eqref{eq:EGP}$。\n\n```python\ndef fib(n):\n    if n < 2:\n        return n\n```\n");
        var query = Keyword.KeywordQuery.Parse("参数 fib");

        var snippet = SnippetBuilder.Build(text, 0, query.Terms.Select(t => t.Term).ToHashSet(), [], 240);

        Assert.Contains("$\\boldsymbol{w}_{\\alpha}\\in\\mathbb{R}^{4d}$", snippet.Html);
        Assert.Contains("$\\eqref{eq:EGP}$", snippet.Html);
        Assert.Contains("def <mark>fib</mark>(n):\n    if n &lt; 2:\n        return n", snippet.Html);
    }

    [Fact]
    public void Chinese_bigram_matches_merge_into_one_mark()
    {
        var snippet = SnippetBuilder.Build("讨论常用的算法。", 0, new HashSet<string> { "算", "法", "算法" }, [], 240);

        Assert.Equal("讨论常用的<mark>算法</mark>。", snippet.Html);
    }

    [Fact]
    public void Substring_pieces_are_marked_case_insensitively_as_whole_words()
    {
        var snippet = SnippetBuilder.Build("Watering schedule", 0, NoTerms, ["WATERING"], 240);

        Assert.Equal("<mark>Watering</mark> schedule", snippet.Html);
    }

    [Theory]
    [InlineData("Storing data to disk", "to", "Storing data <mark>to</mark> disk")]
    [InlineData("Watering schedule", "ATERING", "Watering schedule")]
    [InlineData("cache_key and cache", "cache", "<mark>cache</mark>_key and <mark>cache</mark>")]
    [InlineData("v2.14.3 released", "2.14", "v2.14.3 released")]
    [InlineData("学习中文分词很难", "分词", "学习中文<mark>分词</mark>很难")]
    [InlineData("用Go写的分词器", "go", "用<mark>Go</mark>写的分词器")]
    public void A_piece_is_never_marked_inside_a_word(string text, string piece, string expected)
    {
        Assert.Equal(expected, SnippetBuilder.Build(text, 0, NoTerms, [piece], 240).Html);
    }

    [Fact]
    public void Analyzer_forms_are_marked_whole_and_stop_words_inside_words_never()
    {
        // "to" is a stop word (no term) and a piece: only the word "to" is marked, not the "to" in "Storing" or "tokens";
        // identifier parts are analyzer forms and are marked as such.
        var terms = Keyword.KeywordQuery.Parse("storing tokens to ERR_CONN").Terms.Select(t => t.Term).ToHashSet();
        var snippet = SnippetBuilder.Build("Storing tokens to disk: err_conn_4402 Errors", 0, terms, ["to"], 240);

        Assert.Equal("<mark>Storing</mark> <mark>tokens</mark> <mark>to</mark> disk: <mark>err</mark>_<mark>conn</mark>_4402 Errors", snippet.Html);
    }

    [Fact]
    public void The_window_goes_to_the_match_and_says_where_it_was_cut()
    {
        var text = string.Concat(Enumerable.Repeat("filler words here ", 30)) + "the needle is here " + string.Concat(Enumerable.Repeat("more filler ", 30));

        var snippet = SnippetBuilder.Build(text, 10, new HashSet<string> { "needle" }, [], 80);

        Assert.Contains("<mark>needle</mark>", snippet.Html);
        Assert.StartsWith("…", snippet.Html);
        Assert.EndsWith("…", snippet.Html);
        Assert.True(snippet.End - snippet.Start <= 80);
        Assert.Contains(text[(snippet.Start - 10)..(snippet.End - 10)].Replace("needle", "<mark>needle</mark>"), snippet.Html);
    }

    [Fact]
    public void A_window_never_cuts_a_surrogate_pair()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 200)) + "算法" + string.Concat(Enumerable.Repeat("𠀀", 200));

        for (var length = 40; length < 60; length++)
        {
            var snippet = SnippetBuilder.Build(text, 0, new HashSet<string> { "算法" }, [], length);
            var html = snippet.Html;
            Assert.False(char.IsLowSurrogate(text[snippet.Start]), $"length {length}: starts inside a pair");
            Assert.False(snippet.End < text.Length && char.IsLowSurrogate(text[snippet.End]), $"length {length}: ends inside a pair");
            for (var i = 0; i < html.Length; i++)
            {
                Assert.False(char.IsHighSurrogate(html[i]) && (i + 1 == html.Length || !char.IsLowSurrogate(html[i + 1])), $"length {length}: lone high surrogate");
                Assert.False(char.IsLowSurrogate(html[i]) && (i == 0 || !char.IsHighSurrogate(html[i - 1])), $"length {length}: lone low surrogate");
            }
            Assert.Contains("<mark>算法</mark>", html);
        }
    }
}
