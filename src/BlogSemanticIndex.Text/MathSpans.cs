using System.Text;
using System.Text.RegularExpressions;

namespace BlogSemanticIndex.Text;

/// <summary>
/// Keeps TeX math verbatim through Markdown: each formula (<c>$…$</c>, <c>$$…$$</c>, <c>\(…\)</c>, <c>\[…\]</c>,
/// <c>\begin{env}…\end{env}</c>) outside code is swapped for a placeholder before Markdig runs and put back into the
/// extracted text afterwards.
/// </summary>
/// <remarks>
/// Why not Markdig's own math extension: it rewrites <c>$…$</c> as <c>\(…\)</c>, knows neither <c>\[…\]</c> nor bare
/// environments, and the generic-attributes extension beside it takes <c>{w}</c> in <c>\boldsymbol{w}</c> for an
/// attribute block, so formulas came out as <c>\boldsymbol_{\alpha}</c>. Typecho's MathJax themes render the raw
/// Markdown source's math, which is what a reader searches for and expects in a snippet. The placeholders are
/// private-use characters, which Markdown and HTML leave alone and no post contains after <see cref="TextSanitizer"/>.
/// </remarks>
internal static partial class MathSpans
{
    private const char Open = '\uE000';
    private const char Close = '\uE001';

    // Code first, so that math inside code spans and fenced blocks stays code. Inline $…$ follows Pandoc's rule: no
    // space after the opening or before the closing $, and no digit right after the closing one ("$5 and $10" is money).
    [GeneratedRegex("""
        (?<code>^[ ]{0,3}(?<fence>```+|~~~+)[^\n]*\n[\s\S]*?(?:^[ ]{0,3}\k<fence>[ \t]*$|\z)|(?<ticks>`+)[\s\S]*?(?<!`)\k<ticks>(?!`))
        |(?<math>\$\$[\s\S]+?\$\$
          |\\\[[\s\S]+?\\\]
          |\\\([\s\S]+?\\\)
          |\\begin\{(?<env>[A-Za-z]+\*?)\}[\s\S]*?\\end\{\k<env>\}
          |(?<![\\$])\$(?=[^\s$])[^$\n]*?(?<=[^\s\\])\$(?!\d))
        """, RegexOptions.Multiline | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex CodeOrMath();

    [GeneratedRegex("\uE000([0-9]+)\uE001")]
    private static partial Regex Placeholder();

    /// <summary>The Markdown with every formula replaced by a placeholder, and the formulas in placeholder order.</summary>
    public static (string Markdown, IReadOnlyList<string> Formulas) Protect(string markdown)
    {
        var formulas = new List<string>();
        var protectedText = CodeOrMath().Replace(markdown, match =>
        {
            if (!match.Groups["math"].Success)
            {
                return match.Value;
            }
            formulas.Add(match.Value);
            return $"{Open}{formulas.Count - 1}{Close}";
        });
        return (protectedText, formulas);
    }

    /// <summary>Puts the formulas back where their placeholders ended up.</summary>
    public static string Restore(string text, IReadOnlyList<string> formulas) => formulas.Count == 0
        ? text
        : Placeholder().Replace(text, match => int.TryParse(match.Groups[1].ValueSpan, out var i) && i < formulas.Count ? formulas[i] : "");
}
