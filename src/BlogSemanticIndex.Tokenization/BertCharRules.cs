using System.Globalization;
using System.Text;

namespace BlogSemanticIndex.Tokenization;

/// <summary>
/// Character classes of Hugging Face's <c>BertNormalizer</c> and <c>BertPreTokenizer</c> (the Rust tokenizers
/// library, <c>normalizers/bert.rs</c> and <c>pre_tokenizers/bert.rs</c>), written out so that each rule is in one place.
/// </summary>
internal static class BertCharRules
{
    /// <summary>
    /// Rust's <c>char::is_whitespace</c> (the Unicode White_Space property). Written out rather than
    /// <see cref="Rune.IsWhiteSpace"/> so that a runtime's Unicode tables cannot move it.
    /// </summary>
    public static bool IsWhitespace(int c) => c switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        >= 0x2000 and <= 0x200A => true,
        _ => false,
    };

    /// <summary>
    /// What clean-text removes: NUL, U+FFFD, and every "other" character (Cc, Cf, Cn, Co, Cs) except tab, line feed and
    /// carriage return, which count as whitespace instead.
    /// </summary>
    public static bool IsRemovedByCleanText(int c)
    {
        if (c is 0 or 0xFFFD)
        {
            return true;
        }

        if (c is '\t' or '\n' or '\r')
        {
            return false;
        }

        return CharUnicodeInfo.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
                or UnicodeCategory.Surrogate => true,
            UnicodeCategory.OtherNotAssigned => true,
            _ => UnicodeVersionGap.IsUnassignedInReference(c),
        };
    }

    /// <summary>
    /// ASCII punctuation (every non-alphanumeric printable ASCII character: 33–47, 58–64, 91–96, 123–126, so
    /// <c>$ + &lt; = &gt; ^ ` | ~</c> count although Unicode files them as symbols) or a Unicode P* character.
    /// </summary>
    public static bool IsPunctuation(int c)
    {
        if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
        {
            return true;
        }

        return CharUnicodeInfo.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation => true,
            _ => false,
        };
    }

    /// <summary>
    /// The CJK blocks that BERT splits into single-character words. Hangul, kana and the CJK symbols are not among them,
    /// on purpose: they are tokenised like any other letters.
    /// </summary>
    public static bool IsChineseChar(int c) => c switch
    {
        >= 0x4E00 and <= 0x9FFF => true,
        >= 0x3400 and <= 0x4DBF => true,
        >= 0x20000 and <= 0x2A6DF => true,
        >= 0x2A700 and <= 0x2B73F => true,
        >= 0x2B740 and <= 0x2B81F => true,
        >= 0x2B920 and <= 0x2CEAF => true,
        >= 0xF900 and <= 0xFAFF => true,
        >= 0x2F800 and <= 0x2FA1F => true,
        _ => false,
    };

    public static bool IsNonSpacingMark(int c) =>
        CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark;

    /// <summary>
    /// Rust's <c>char::to_lowercase</c>: the full mapping, which differs from the simple one .NET applies only for
    /// U+0130 (capital I with dot above → "i" + combining dot above).
    /// </summary>
    public static void AppendLowerCase(Rune rune, Span<Rune> destination, out int written)
    {
        if (rune.Value == 0x130)
        {
            destination[0] = new Rune('i');
            destination[1] = new Rune(0x307);
            written = 2;
            return;
        }

        destination[0] = Rune.ToLowerInvariant(rune);
        written = 1;
    }
}
