using System.Collections.Concurrent;
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
    /// What clean-text removes: NUL, U+FFFD, and every "other" character (Cc, Cf, Co) except tab, line feed and carriage
    /// return, which count as whitespace instead. Unassigned code points are kept, as the reference keeps them.
    /// </summary>
    public static bool IsRemovedByCleanText(int c) =>
        c is not ('\t' or '\n' or '\r') && BertUnicodeTables.Contains(BertUnicodeTables.Removed, c);

    /// <summary>
    /// ASCII punctuation (every non-alphanumeric printable ASCII character: 33–47, 58–64, 91–96, 123–126, so
    /// <c>$ + &lt; = &gt; ^ ` | ~</c> count although Unicode files them as symbols) or a Unicode P* character.
    /// </summary>
    public static bool IsPunctuation(int c) =>
        c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || (c > 126 && BertUnicodeTables.Contains(BertUnicodeTables.Punctuation, c));

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

    private static readonly ConcurrentDictionary<int, string> Decompositions = new();

    /// <summary>The canonical decomposition (NFD) of one code point, cached: text repeats its characters.</summary>
    public static string Decompose(Rune rune)
    {
        if (rune.IsAscii)
        {
            return rune.ToString();
        }

        return Decompositions.GetOrAdd(rune.Value, static value =>
        {
            var text = char.ConvertFromUtf32(value);

            // Noncharacters (U+FDD0…, U+xFFFE) make .NET's normaliser throw; they have no decomposition.
            var isNonCharacter = value is >= 0xFDD0 and <= 0xFDEF || (value & 0xFFFE) == 0xFFFE;
            return isNonCharacter ? text : text.Normalize(NormalizationForm.FormD);
        });
    }

    public static bool IsNonSpacingMark(int c) =>
        c >= 0x300 && BertUnicodeTables.Contains(BertUnicodeTables.NonSpacingMarks, c);

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
