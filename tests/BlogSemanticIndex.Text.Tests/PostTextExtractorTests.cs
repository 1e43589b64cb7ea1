using CsCheck;
using System.Diagnostics;
using System.Text;

namespace BlogSemanticIndex.Text.Tests;

public sealed class PostTextExtractorTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);
    private readonly PostTextExtractor _extractor = new();

    [Fact]
    public void Markdown_body_is_rendered_to_clean_text()
    {
        var body = "<!--markdown-->## Why search\n\nSome **bold** and *soft*\nwrapped text with `inline code`.\n\n" +
                   "- item one\n- item [two](https://example.com)\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";

        var text = _extractor.ExtractBody(body);

        Assert.Equal("Why search\n\nSome bold and soft wrapped text with inline code.\n\nitem one\nitem two\n\nquoted\n\na b\n1 2", text);
    }

    [Fact]
    public void Markdown_code_blocks_are_kept_as_text_with_their_lines()
    {
        var body = "<!--markdown-->Before.\n\n```csharp\nvar x = 1 < 2;\nConsole.WriteLine(x);\n```\n\nAfter.";

        Assert.Equal("Before.\n\nvar x = 1 < 2;\nConsole.WriteLine(x);\n\nAfter.", _extractor.ExtractBody(body));
    }

    [Fact]
    public void Html_body_drops_scripts_and_styles_and_decodes_entities()
    {
        var body = "<h2>Title &amp; more</h2><p>Hello&nbsp;&lt;world&gt; &#x1F600;</p><script>alert('x')</script>" +
                   "<style>p { color: red }</style><div>Line<br>break</div><img src=a.png alt=\"a cat\"><p>End</p>";

        Assert.Equal("Title & more\n\nHello <world> 😀\n\nLine\nbreak\na cat\n\nEnd", _extractor.ExtractBody(body));
    }

    [Fact]
    public void Plain_html_body_keeps_typecho_autop_line_breaks()
    {
        // Typecho shows non-Markdown bodies through autoP: blank line = paragraph, newline = <br>.
        Assert.Equal("Line one\nline two\n\nParagraph two", _extractor.ExtractBody("Line one\r\nline two\n\n\n  Paragraph two  "));
    }

    [Theory]
    [InlineData("<!--markdown-->Intro part.<!--more-->Rest part.")]
    [InlineData("<!--markdown-->Intro part.\n\n<!--more-->\n\nRest part.")]
    [InlineData("<p>Intro part.</p><!--more--><p>Rest part.</p>")]
    [InlineData("Intro part.<!-- more -->Rest part.")]
    public void More_marker_is_dropped_and_both_parts_kept(string body)
    {
        Assert.Equal("Intro part.\n\nRest part.", _extractor.ExtractBody(body));
    }

    [Fact]
    public void Chinese_punctuation_and_text_survive()
    {
        var body = "<!--markdown-->这是第一句。这是第二句！还有问题吗？\n\n「引号」（括号）；结束…";

        Assert.Equal("这是第一句。这是第二句！还有问题吗？\n\n「引号」（括号）；结束…", _extractor.ExtractBody(body));
    }

    [Fact]
    public void Malformed_markup_still_gives_its_text()
    {
        Assert.Equal("unclosed bold\n\nnext", _extractor.ExtractBody("<div><p>unclosed <b>bold</div><p>next</i></table>"));
        Assert.Equal("a < b", _extractor.ExtractBody("a < b"));
        Assert.Equal("", _extractor.ExtractBody("<!--markdown-->"));
        Assert.Equal("", _extractor.ExtractBody(null));
    }

    [Fact]
    public void Document_has_title_then_categories_and_tags_then_body()
    {
        var document = _extractor.BuildDocument(" Semantic\nsearch ", ["Programming", "随笔"], ["dotnet", " ", "搜索"], "<!--markdown-->Body **text**.");

        Assert.Equal("Semantic search\nProgramming, 随笔\ndotnet, 搜索\n\nBody text.", document.Text);
        Assert.Equal("Body text.", document.Text[document.BodyStart..]);
        Assert.False(document.Truncated);
        Assert.False(document.RoughText);
    }

    [Fact]
    public void Document_without_context_or_body_has_no_stray_breaks()
    {
        Assert.Equal("Title", _extractor.BuildDocument("Title", [], null, "").Text);
        var bodyOnly = _extractor.BuildDocument(null, null, null, "<p>Only body</p>");
        Assert.Equal("Only body", bodyOnly.Text);
        Assert.Equal(0, bodyOnly.BodyStart);
    }

    [Fact]
    public void Invalid_surrogates_and_control_characters_are_cleaned()
    {
        var body = "A\uD800B\uDC00C\u0000D\u0007E\u001BF\uFEFFG \uD83D\uDE00";

        var text = _extractor.ExtractBody(body);

        Assert.Equal("A\uFFFDB\uFFFDCDEFG 😀", text);
        Assert.Equal(text, Encoding.UTF8.GetString(new UTF8Encoding(false, true).GetBytes(text)));
    }

    [Fact]
    public void Markup_nested_deeper_than_a_browser_allows_still_gives_its_text()
    {
        var body = string.Concat(Enumerable.Repeat("<blockquote>", 5_000)) + "deep &amp; <script>x()</script>down<!--more-->after";

        var document = _extractor.BuildDocument(null, null, null, body);

        Assert.Equal("deep & down\n\nafter", document.Text);
        Assert.True(document.RoughText);
    }

    [Fact]
    public void Body_beyond_the_parse_limit_is_stripped_of_tags_linearly()
    {
        var extractor = new PostTextExtractor(new TextExtractionOptions { MaxParsedChars = 10 });

        var document = extractor.BuildDocument(null, null, null, "<!--markdown--># Long heading\nwith &lt;b> <i>kept</i><script>x</script>");

        Assert.Equal("# Long heading\nwith <b> kept", document.Text);
        Assert.True(document.RoughText);
    }

    [Fact]
    public void Only_emoji_body_is_kept()
    {
        Assert.Equal("🎉🎉 👍🏽 👨‍👩‍👧", _extractor.ExtractBody("<!--markdown-->🎉🎉   👍🏽\n👨‍👩‍👧"));
    }

    [Fact]
    public void Body_over_the_limit_is_cut_and_flagged()
    {
        var extractor = new PostTextExtractor(new TextExtractionOptions { MaxBodyChars = 1_000 });

        var document = extractor.BuildDocument("T", null, null, new string('a', 999) + "😀 and more");

        Assert.True(document.Truncated);
        Assert.False(document.RoughText);
        Assert.Equal(new string('a', 999), document.Text[document.BodyStart..]);
    }

    public static TheoryData<string, string> PoisonedBodies() => new()
    {
        { "1 MB table", "<table>" + string.Concat(Enumerable.Repeat("<tr><td>cell</td><td>値</td></tr>", 1_000_000 / 32)) + "</table>" },
        { "1 MB unclosed table in markdown", "<!--markdown-->\n<table>" + string.Concat(Enumerable.Repeat("<tr><td>x", 100_000)) },
        { "500 KB of one word", new string('w', 500_000) },
        { "500 KB of one word in markdown", "<!--markdown-->" + new string('w', 500_000) },
        { "deeply nested divs", string.Concat(Enumerable.Repeat("<div>", 100_000)) + "deep" },
        { "deeply nested quotes", "<!--markdown-->" + new string('>', 50_000) + " deep" },
        { "deeply nested lists", "<!--markdown-->" + string.Concat(Enumerable.Range(0, 1_000).Select(i => new string(' ', i * 2) + "- x\n")) },
        { "unbalanced brackets", "<!--markdown-->" + new string('[', 100_000) + "x" + new string(']', 50_000) },
        { "emphasis storm", "<!--markdown-->" + string.Concat(Enumerable.Repeat("*_", 100_000)) },
        { "lone surrogates", new string('\uD800', 10_000) + new string('\uDFFF', 10_000) },
        { "control characters", string.Concat(Enumerable.Range(0, 32).Select(i => (char)i)) + "text" },
    };

    [Theory]
    [MemberData(nameof(PoisonedBodies))]
    public void Poisoned_body_is_handled_in_bounded_time(string name, string body)
    {
        var watch = Stopwatch.StartNew();

        var document = _extractor.BuildDocument(name, null, null, body);
        var chunks = new Chunker(new SimpleTokenSpans()).Split(1, document.Text);

        watch.Stop();
        Assert.True(watch.Elapsed < Generous, $"{name} took {watch.Elapsed}");
        Assert.NotEmpty(chunks);
        Assert.Contains(name, document.Text);
        Assert.All(chunks, c => Assert.Equal(document.Text[c.CharStart..c.CharEnd], c.Text));
        Assert.DoesNotContain('\0', document.Text);
    }

    [Fact]
    public void Random_markup_never_throws_and_leaves_no_control_characters_or_lone_surrogates()
    {
        var body = Gen.OneOf("<!--markdown-->", "text", " ", "\n", "# ", "**", "`", "```\n", "<p>", "</p>", "<script>", "</script>", "<",
                ">", "&", "&lt;", "&#0;", "&#xD800;", "\u0000", "\u0007", "算法", "😀", "[a](http://x)", "![i](y)", "<!--more-->", "|", "---\n")
            .Array[0, 200].Select(string.Concat);
        var extractor = new PostTextExtractor();
        body.Sample(raw =>
        {
            var text = extractor.ExtractBody(raw);
            Assert.DoesNotContain(text, c => char.IsControl(c) && c is not ('\n' or '\t' or '\r'));
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                }
                else
                {
                    Assert.False(char.IsSurrogate(text[i]), $"lone surrogate at {i} in {raw}");
                }
            }
        });
    }
}
