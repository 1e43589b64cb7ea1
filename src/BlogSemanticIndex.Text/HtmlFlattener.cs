using System.Net;
using System.Text;

namespace BlogSemanticIndex.Text;

/// <summary>
/// A linear fallback for markup a tree parser handles in quadratic time (AngleSharp slows down steeply past a few
/// thousand open elements, as the HTML tree-building rules search the stack of open elements). No real post nests that
/// deep; browsers cap the depth too (Chromium at 512).
/// </summary>
internal static class HtmlFlattener
{
    public const int MaxDepth = 512;

    // Elements with no content or whose end tag is optional: they do not add depth when left open.
    private static readonly HashSet<string> NotNesting = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "rp", "rt", "caption",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "table", "ul", "ol", "dl", "dt", "dd",
        "section", "article", "header", "footer", "hr", "figure", "figcaption",
    };

    /// <summary>True when the open-element depth, counted from the tags alone, exceeds <see cref="MaxDepth"/>.</summary>
    public static bool IsTooDeep(string html)
    {
        var depth = 0;
        var index = 0;
        while ((index = html.IndexOf('<', index)) >= 0)
        {
            var (name, closing, selfClosing, next) = ReadTag(html, index);
            index = next;
            if (name.Length == 0 || NotNesting.Contains(name) || selfClosing)
            {
                continue;
            }
            depth += closing ? -1 : 1;
            if (depth > MaxDepth)
            {
                return true;
            }
            depth = Math.Max(depth, 0);
        }
        return false;
    }

    /// <summary>Tags removed (block tags become line breaks), script and style content dropped, entities decoded.</summary>
    public static string ToRoughText(string html)
    {
        var builder = new StringBuilder(html.Length);
        var index = 0;
        while (index < html.Length)
        {
            var open = html.IndexOf('<', index);
            if (open < 0)
            {
                builder.Append(html, index, html.Length - index);
                break;
            }
            builder.Append(html, index, open - index);
            if (string.CompareOrdinal(html, open, "<!--", 0, 4) == 0)
            {
                var end = html.IndexOf("-->", open + 4, StringComparison.Ordinal);
                var comment = end < 0 ? "" : html[(open + 4)..end];
                builder.Append(comment.Trim().Equals("more", StringComparison.OrdinalIgnoreCase) ? "\n\n" : " ");
                index = end < 0 ? html.Length : end + 3;
                continue;
            }
            var (name, closing, _, next) = ReadTag(html, open);
            if (name.Length == 0)
            {
                builder.Append('<');
                index = open + 1;
                continue;
            }
            index = next;
            if (!closing && (name.Equals("script", StringComparison.OrdinalIgnoreCase) || name.Equals("style", StringComparison.OrdinalIgnoreCase)))
            {
                var end = html.IndexOf("</" + name, index, StringComparison.OrdinalIgnoreCase);
                index = end < 0 ? html.Length : end;
                continue;
            }
            builder.Append(Blocks.Contains(name) ? '\n' : ' ');
        }
        return WebUtility.HtmlDecode(builder.ToString());
    }

    private static (string Name, bool Closing, bool SelfClosing, int Next) ReadTag(string html, int open)
    {
        var i = open + 1;
        var closing = i < html.Length && html[i] == '/';
        if (closing)
        {
            i++;
        }
        var nameStart = i;
        while (i < html.Length && (char.IsAsciiLetterOrDigit(html[i]) || html[i] == '-') && (i > nameStart || char.IsAsciiLetter(html[i])))
        {
            i++;
        }
        if (i == nameStart)
        {
            return ("", false, false, open + 1);
        }
        var name = html[nameStart..i];
        var close = html.IndexOf('>', i);
        if (close < 0)
        {
            return (name, closing, false, html.Length);
        }
        return (name, closing, close > 0 && html[close - 1] == '/', close + 1);
    }
}
