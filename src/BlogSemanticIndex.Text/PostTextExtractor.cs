using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Markdig;

namespace BlogSemanticIndex.Text;

/// <summary>
/// Turns a Typecho body into clean text: Markdown (bodies starting with <c>&lt;!--markdown--&gt;</c>) is rendered with
/// Markdig, then all HTML is read with AngleSharp. Block elements become line breaks, code is kept as text, scripts
/// and styles are dropped, entities decoded, whitespace collapsed outside code (code keeps its spaces, tabs and line breaks), and <c>&lt;!--more--&gt;</c> becomes a paragraph
/// break between the two parts. Bodies too long or nested too deep for the parsers to finish quickly are stripped of
/// tags by a linear pass instead (<see cref="PostDocument.RoughText"/>). Never throws on malformed markup or odd
/// characters. Thread-safe.
/// </summary>
public sealed class PostTextExtractor
{
    public const string MarkdownMarker = "<!--markdown-->";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    // Elements whose content a reader never sees as text.
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "template", "noscript", "head", "iframe", "object", "embed", "svg", "canvas", "audio", "video", "select",
    };

    // Elements that start and end a paragraph (blank line around them).
    private static readonly HashSet<string> ParagraphBlocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "figure", "hr",
        "section", "article", "header", "footer", "nav", "aside", "main", "details", "address", "fieldset", "form",
    };

    // Elements that start and end a line.
    private static readonly HashSet<string> LineBlocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "div", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "thead", "tbody", "tfoot", "legend", "option",
    };

    private readonly TextExtractionOptions _options;

    public PostTextExtractor(TextExtractionOptions? options = null)
    {
        _options = options ?? new TextExtractionOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }
    }

    /// <summary>
    /// The indexed text: the title on the first line, categories and tags on the next ones (comma-separated, omitted when
    /// empty), a blank line, then the body.
    /// </summary>
    public PostDocument BuildDocument(string? title, IEnumerable<string>? categories, IEnumerable<string>? tags, string? rawBody)
    {
        var header = new StringBuilder();
        AppendLine(header, title);
        AppendLine(header, JoinNames(categories));
        AppendLine(header, JoinNames(tags));
        var (body, truncated, rough) = Extract(rawBody);
        if (header.Length > 0 && body.Length > 0)
        {
            header.Append('\n');
        }
        var bodyStart = header.Length;
        if (body.Length == 0 && header.Length > 0)
        {
            header.Length--; // no trailing line break after the last header line
            bodyStart = header.Length;
        }
        return new PostDocument(header.Append(body).ToString(), bodyStart, truncated, rough);
    }

    /// <summary>The body as clean text (see the class summary).</summary>
    public string ExtractBody(string? rawBody) => Extract(rawBody).Text;

    private (string Text, bool Truncated, bool Rough) Extract(string? rawBody)
    {
        var (text, truncated, rough, formulas) = ExtractProtected(rawBody);
        return (MathSpans.Restore(text, formulas), truncated, rough);
    }

    private (string Text, bool Truncated, bool Rough, IReadOnlyList<string> Formulas) ExtractProtected(string? rawBody)
    {
        var text = rawBody ?? "";
        var truncated = text.Length > _options.MaxBodyChars;
        if (truncated)
        {
            var cut = _options.MaxBodyChars;
            if (char.IsHighSurrogate(text[cut - 1]))
            {
                cut--;
            }
            text = text[..cut];
        }
        text = TextSanitizer.Clean(text);

        var trimmed = text.AsSpan().TrimStart();
        var isMarkdown = trimmed.StartsWith(MarkdownMarker, StringComparison.Ordinal);
        if (text.Length > _options.MaxParsedChars)
        {
            var source = isMarkdown ? trimmed[MarkdownMarker.Length..].ToString() : text;
            return (CollapseWhitespace(HtmlFlattener.ToRoughText(source)), truncated, true, []);
        }
        string html;
        var rendered = false;
        IReadOnlyList<string> formulas = [];
        if (isMarkdown)
        {
            (var markdown, formulas) = MathSpans.Protect(trimmed[MarkdownMarker.Length..].ToString());
            try
            {
                html = Markdown.ToHtml(markdown, Pipeline);
                rendered = true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Markdig rejects some pathological input (nesting beyond its depth limit): read it as HTML instead.
                html = markdown;
            }
        }
        else
        {
            html = text;
        }

        if (HtmlFlattener.IsTooDeep(html))
        {
            return (CollapseWhitespace(HtmlFlattener.ToRoughText(html)), truncated, true, formulas);
        }
        try
        {
            var document = new HtmlParser().ParseDocument(html);
            // Typecho renders non-Markdown bodies through autoP: a line break in the source is a <br> on the page.
            return (HtmlToText(document.Body ?? (INode)document, newlinesAreBreaks: !rendered), truncated, false, formulas);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (CollapseWhitespace(HtmlFlattener.ToRoughText(html)), truncated, true, formulas);
        }
    }

    private static string HtmlToText(INode root, bool newlinesAreBreaks)
    {
        var writer = new TextWriterState();
        // Iterative walk: deeply nested markup must not overflow the stack.
        var stack = new Stack<(INode Node, bool Exit)>();
        stack.Push((root, false));
        var preDepth = 0;
        var codeDepth = 0;
        while (stack.Count > 0)
        {
            var (node, exit) = stack.Pop();
            if (node is IElement element)
            {
                var name = element.LocalName;
                if (exit)
                {
                    if (name.Equals("pre", StringComparison.OrdinalIgnoreCase))
                    {
                        preDepth--;
                    }
                    else if (IsCode(name))
                    {
                        codeDepth--;
                    }
                    CloseBlock(writer, name);
                    continue;
                }
                if (Dropped.Contains(name))
                {
                    continue;
                }
                switch (name.ToLowerInvariant())
                {
                    case "br":
                        writer.Break(1);
                        continue;
                    case "img":
                        writer.Space();
                        writer.Write(element.GetAttribute("alt"), keepLines: false);
                        writer.Space();
                        continue;
                    case "pre":
                        preDepth++;
                        break;
                    case "code" or "kbd" or "samp":
                        codeDepth++;
                        break;
                }
                OpenBlock(writer, name);
                stack.Push((node, true));
                PushChildren(stack, node);
            }
            else if (node is IText textNode)
            {
                if (preDepth > 0 || codeDepth > 0)
                {
                    // Code is read as written: its indentation and alignment are part of it (Python's blocks, a table in a comment).
                    writer.WriteVerbatim(textNode.Data, keepLines: preDepth > 0 || newlinesAreBreaks);
                }
                else
                {
                    writer.Write(textNode.Data, keepLines: newlinesAreBreaks);
                }
            }
            else if (node is IComment comment)
            {
                if (comment.Data.Trim().Equals("more", StringComparison.OrdinalIgnoreCase))
                {
                    writer.Break(2);
                }
            }
            else if (!exit)
            {
                PushChildren(stack, node);
            }
        }
        return writer.ToString();
    }

    private static bool IsCode(string name) =>
        name.Equals("code", StringComparison.OrdinalIgnoreCase) || name.Equals("kbd", StringComparison.OrdinalIgnoreCase)
        || name.Equals("samp", StringComparison.OrdinalIgnoreCase);

    private static void PushChildren(Stack<(INode Node, bool Exit)> stack, INode node)
    {
        var children = node.ChildNodes;
        for (var i = children.Length - 1; i >= 0; i--)
        {
            stack.Push((children[i], false));
        }
    }

    private static void OpenBlock(TextWriterState writer, string name)
    {
        if (ParagraphBlocks.Contains(name))
        {
            writer.Break(2);
        }
        else if (LineBlocks.Contains(name))
        {
            writer.Break(1);
        }
        else if (name is "td" or "th")
        {
            writer.Space();
        }
    }

    private static void CloseBlock(TextWriterState writer, string name) => OpenBlock(writer, name);

    private static string CollapseWhitespace(string text)
    {
        var writer = new TextWriterState();
        writer.Write(text, keepLines: true);
        return writer.ToString();
    }

    private static string? JoinNames(IEnumerable<string>? names) =>
        names is null ? null : string.Join(", ", names.Select(n => CollapseWhitespace(TextSanitizer.Clean(n))).Where(n => n.Length > 0));

    private static void AppendLine(StringBuilder builder, string? line)
    {
        var clean = CollapseWhitespace(TextSanitizer.Clean(line)).Replace('\n', ' ');
        if (clean.Length > 0)
        {
            builder.Append(clean).Append('\n');
        }
    }

    /// <summary>
    /// Appends text with whitespace collapsed: runs of spaces become one space, line breaks are kept only where
    /// asked (at most one blank line), and nothing leads or trails. Verbatim text (code) keeps its spaces, tabs and
    /// line breaks, except those that would lead or trail the whole text.
    /// </summary>
    private sealed class TextWriterState
    {
        private readonly StringBuilder _builder = new();
        private readonly StringBuilder _pendingVerbatim = new(); // code's own spaces and tabs before its next character
        private bool _pendingSpace;
        private int _pendingBreak; // 0 none, 1 line break, 2 blank line; in code, its own line breaks, however many

        public void Space() => _pendingSpace = true;

        public void Break(int level)
        {
            _pendingBreak = Math.Max(_pendingBreak, level);
            _pendingVerbatim.Clear(); // code's spaces before a line break would trail that line
        }

        public void Write(string? text, bool keepLines)
        {
            if (text is null)
            {
                return;
            }
            var newlines = 0;
            foreach (var c in text)
            {
                if (c == '\n' && keepLines)
                {
                    newlines++;
                    Break(newlines >= 2 ? 2 : 1);
                }
                else if (char.IsWhiteSpace(c))
                {
                    _pendingSpace = true;
                }
                else
                {
                    newlines = 0;
                    Flush();
                    _builder.Append(c);
                }
            }
        }

        /// <summary>Code: every space and tab kept; line breaks kept when <paramref name="keepLines"/>, else each one a space.</summary>
        public void WriteVerbatim(string text, bool keepLines)
        {
            var newlines = 0;
            foreach (var c in text)
            {
                if (c == '\n' && keepLines)
                {
                    newlines++;
                    // The indentation before a line break is trailing space of that line: not kept.
                    _pendingVerbatim.Clear();
                    _pendingBreak = Math.Max(_pendingBreak, newlines);
                }
                else if (char.IsWhiteSpace(c))
                {
                    _pendingVerbatim.Append(c == '\n' ? ' ' : c);
                    _pendingSpace = true;
                }
                else
                {
                    newlines = 0;
                    Flush();
                    _builder.Append(c);
                }
            }
        }

        private void Flush()
        {
            if (_builder.Length > 0)
            {
                if (_pendingBreak > 0)
                {
                    _builder.Append('\n', _pendingBreak);
                    _builder.Append(_pendingVerbatim);
                }
                else if (_pendingVerbatim.Length > 0)
                {
                    _builder.Append(_pendingVerbatim);
                }
                else if (_pendingSpace)
                {
                    _builder.Append(' ');
                }
            }
            _pendingBreak = 0;
            _pendingSpace = false;
            _pendingVerbatim.Clear();
        }

        public override string ToString() => _builder.ToString();
    }
}
