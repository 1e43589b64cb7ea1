namespace BlogSemanticIndex.Text.Tests;

/// <summary>
/// LaTeX and code reach the index verbatim: Markdown must not read the backslashes and underscores of MathJax math as
/// escapes and emphasis, nor its braces as attributes (issue 13: <c>$\boldsymbol{w}_{\alpha}\in\mathbb{R}^{4d}$</c> was
/// indexed as <c>$\boldsymbol_{\alpha}\in\mathbb{4d}$</c>).
/// </summary>
public sealed class MathPreservationTests
{
    private static readonly PostTextExtractor Extractor = new();

    // A formula-heavy paragraph as a Chinese math blog writes it in Typecho's Markdown editor.
    private const string Paragraph =
        "设$\\boldsymbol{w}_{\\alpha}\\in\\mathbb{R}^{4d}$为第$\\alpha$个头的参数，则打分函数为$s_{\\alpha}(i,j) = \\boldsymbol{q}_{i,\\alpha}^{\\top}\\boldsymbol{k}_{j,\\alpha}$，见式$\\eqref{eq:EGP}$。";

    private const string Display = "$$\n\\begin{equation}\\mathcal{L} = \\log\\left(1 + \\sum_{i\\in\\Omega_{neg}} e^{s_i}\\right) + \\log\\left(1 + \\sum_{j\\in\\Omega_{pos}} e^{-s_j}\\right)\\label{eq:EGP}\\end{equation}\n$$";

    [Theory]
    [InlineData("$\\boldsymbol{w}_{\\alpha}\\in\\mathbb{R}^{4d}$")]
    [InlineData("$\\alpha$")]
    [InlineData("$s_{\\alpha}(i,j) = \\boldsymbol{q}_{i,\\alpha}^{\\top}\\boldsymbol{k}_{j,\\alpha}$")]
    [InlineData("$\\eqref{eq:EGP}$")]
    public void Inline_math_in_a_Markdown_paragraph_is_kept_verbatim(string formula)
    {
        var text = Extractor.ExtractBody(PostTextExtractor.MarkdownMarker + Paragraph);

        Assert.Contains(formula, text);
    }

    [Fact]
    public void Display_math_and_environments_are_kept_verbatim()
    {
        var body = PostTextExtractor.MarkdownMarker + "损失函数：\n\n" + Display + "\n\n其中 \\[ a_1 * b_2 * c_3 \\] 和 \\( x_i^2 \\)，以及\n\n\\begin{align}f(x) &= x_1 + x_2 \\\\ g(x) &= *x*\\end{align}\n";

        var text = Extractor.ExtractBody(body);

        Assert.Contains("\\begin{equation}\\mathcal{L} = \\log\\left(1 + \\sum_{i\\in\\Omega_{neg}} e^{s_i}\\right)", text);
        Assert.Contains("\\label{eq:EGP}\\end{equation}", text);
        Assert.Contains("\\[ a_1 * b_2 * c_3 \\]", text);
        Assert.Contains("\\( x_i^2 \\)", text);
        Assert.Contains("\\begin{align}f(x) &= x_1 + x_2 \\\\ g(x) &= *x*\\end{align}", text);
    }

    [Fact]
    public void Code_spans_and_blocks_are_kept_verbatim_and_math_inside_them_is_code()
    {
        var body = PostTextExtractor.MarkdownMarker + "用 `a_b*c_d` 和 `$x_1$`：\n\n```python\ndef f(x_1, *args):\n    return x_1 ** 2  # $not math$\n```\n";

        var text = Extractor.ExtractBody(body);

        Assert.Contains("a_b*c_d", text);
        Assert.Contains("$x_1$", text);
        Assert.Contains("def f(x_1, *args):\n    return x_1 ** 2  # $not math$", text);
    }

    // A Python block whose meaning is its indentation, with a blank line, a tab-aligned comment and a two-space run.
    private const string Python = "def fib(n):\n    if n < 2:\n        return n\n\n    return fib(n - 1) + fib(n - 2)\t# O(2^n)\nx  =  [fib(i) for i in range(10)]";

    [Fact]
    public void A_fenced_code_block_in_a_Markdown_post_keeps_its_indentation_and_line_breaks()
    {
        var text = Extractor.ExtractBody(PostTextExtractor.MarkdownMarker + "递归写法：\n\n```python\n" + Python + "\n```\n\n之后是正文，  空格照常合并。");

        Assert.Equal("递归写法：\n\n" + Python + "\n\n之后是正文， 空格照常合并。", text);
    }

    [Fact]
    public void An_indented_code_block_and_a_code_span_in_Markdown_keep_their_spaces()
    {
        var body = PostTextExtractor.MarkdownMarker + "Run `ls  -l   /tmp` first.\n\n    for i in 1 2; do\n        echo \"$i\"\n    done\n";

        var text = Extractor.ExtractBody(body);

        Assert.Equal("Run ls  -l   /tmp first.\n\nfor i in 1 2; do\n    echo \"$i\"\ndone", text);
    }

    [Fact]
    public void Code_in_an_HTML_post_keeps_its_indentation_while_its_prose_is_collapsed()
    {
        // An HTML post as Typecho stores it (no Markdown marker): the source's line breaks are <br>s outside <pre>.
        var html = "<p>递归   写法：</p>\n<pre><code class=\"lang-python\">" + Python.Replace("<", "&lt;", StringComparison.Ordinal)
            + "\n</code></pre>\n<p>用 <code>fib(n  - 1)</code> 计算。</p>";

        var text = Extractor.ExtractBody(html);

        Assert.Equal("递归 写法：\n\n" + Python + "\n\n用 fib(n  - 1) 计算。", text);
    }

    [Fact]
    public void Code_survives_chunking_with_its_indentation_and_exact_spans()
    {
        var document = Extractor.BuildDocument("斐波那契", null, null, PostTextExtractor.MarkdownMarker + "```python\n" + Python + "\n```");
        var chunker = new Chunker(new SimpleTokenSpans(), new ChunkerOptions { MaxTokens = 10, OverlapTokens = 2 });

        var chunks = chunker.Split(1, document.Text);

        Assert.Equal("斐波那契\n\n" + Python, document.Text);
        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.Equal(document.Text[c.CharStart..c.CharEnd], c.Text));
        Assert.Contains(chunks, c => c.Text.Contains("\n        return n", StringComparison.Ordinal));
    }

    [Fact]
    public void Prices_are_not_math_and_Markdown_around_math_still_renders()
    {
        var text = Extractor.ExtractBody(PostTextExtractor.MarkdownMarker + "It costs $5 and $10, **bold** and $x_1 + x_2$ here.");

        Assert.Equal("It costs $5 and $10, bold and $x_1 + x_2$ here.", text);
    }

    [Fact]
    public void Math_in_an_HTML_post_is_kept_verbatim()
    {
        var text = Extractor.ExtractBody("<p>" + Paragraph.Replace("<", "&lt;", StringComparison.Ordinal) + "</p>");

        Assert.Contains("$\\boldsymbol{w}_{\\alpha}\\in\\mathbb{R}^{4d}$", text);
        Assert.Contains("$\\eqref{eq:EGP}$", text);
    }

    [Fact]
    public void Math_survives_chunking_with_exact_spans()
    {
        var document = Extractor.BuildDocument("GlobalPointer", null, null, PostTextExtractor.MarkdownMarker + Paragraph);
        var chunker = new Chunker(new SimpleTokenSpans(), new ChunkerOptions { MaxTokens = 12, OverlapTokens = 2 });

        var chunks = chunker.Split(1, document.Text);

        Assert.Contains("$\\boldsymbol{w}_{\\alpha}\\in\\mathbb{R}^{4d}$", document.Text);
        Assert.All(chunks, c => Assert.Equal(document.Text[c.CharStart..c.CharEnd], c.Text));
        Assert.Equal(document.Text.Length, chunks[^1].CharEnd);
    }
}
