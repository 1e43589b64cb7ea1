using System.Text;

namespace BlogSemanticIndex.Text;

/// <summary>Makes any .NET string safe to parse, tokenize and store as UTF-8.</summary>
public static class TextSanitizer
{
    /// <summary>
    /// Replaces unpaired surrogates with U+FFFD (they cannot be encoded as UTF-8), drops control characters other
    /// than tab and line feed (and U+FEFF), and turns CR LF / CR into LF. Never throws; null becomes empty.
    /// </summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        if (!NeedsCleaning(text))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    builder.Append(c).Append(text[++i]);
                }
                else
                {
                    builder.Append('\uFFFD');
                }
            }
            else if (char.IsLowSurrogate(c))
            {
                builder.Append('\uFFFD');
            }
            else if (c == '\r')
            {
                builder.Append('\n');
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
            }
            else if (c is '\n' or '\t' || !(char.IsControl(c) || c == '\uFEFF'))
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    private static bool NeedsCleaning(string text)
    {
        foreach (var c in text)
        {
            if (char.IsSurrogate(c) || c == '\r' || c == '\uFEFF' || (char.IsControl(c) && c is not ('\n' or '\t')))
            {
                return true;
            }
        }
        return false;
    }
}
