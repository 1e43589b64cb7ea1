using System.Globalization;
using System.Text;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>A term the analyzer found, with the UTF-16 span of the original text it came from.</summary>
public readonly record struct AnalyzedToken(string Term, int Start, int End);

/// <summary>
/// Splits mixed Latin/CJK text into index terms. The same analyzer runs at index time and query time (where
/// <see cref="KeywordQuery"/> chooses and weighs the query's terms among them), so a change here requires rebuilding the
/// keyword index (<see cref="KeywordIndexWriter.RebuildAllAsync"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Words of letters and digits are NFKC-normalised and lower-cased per token (so offsets stay those of the
/// original text). Identifiers stay whole — <c>snake_case</c>, <c>v1.2.3</c>, <c>ERR_CONN_4402</c>,
/// <c>foo-bar</c> — and their parts are emitted too, so <c>conn</c> or <c>4402</c> also find them.
/// A trailing <c>++</c> or <c>#</c> stays on a word (<c>c++</c>, <c>c#</c>, <c>f#</c>).</item>
/// <item>English stop words are dropped and a plural <c>s</c> is removed (Harman's S-stemmer), the light
/// normalisation BM25 baselines use; only whole words are stemmed, never identifiers.</item>
/// <item>Han, kana and Hangul runs become character unigrams and bigrams: <c>新词算法</c> yields 新 词 算 法 新词 词算 算法,
/// so it matches a post with <c>新词发现</c> and <c>算法</c> though the string never occurs, and a post with the exact
/// phrase ranks higher through its bigrams.</item>
/// </list>
/// </remarks>
public static class TextAnalyzer
{
    /// <summary>Longer words (hashes, base64) are not indexed.</summary>
    public const int MaxTermLength = 64;

    // Lucene's English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET).
    private static readonly HashSet<string> StopWords =
    [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of", "on",
        "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
    ];

    /// <summary>The terms of <paramref name="text"/> in order, with their spans.</summary>
    public static List<AnalyzedToken> Analyze(string text)
    {
        var tokens = new List<AnalyzedToken>();
        var i = 0;
        while (i < text.Length)
        {
            var rune = RuneAt(text, i);
            if (IsCjk(rune))
            {
                i = AnalyzeCjkRun(text, i, tokens);
            }
            else if (Rune.IsLetterOrDigit(rune))
            {
                i = AnalyzeWord(text, i, tokens);
            }
            else
            {
                i += rune.Utf16SequenceLength;
            }
        }
        return tokens;
    }

    private static int AnalyzeCjkRun(string text, int start, List<AnalyzedToken> tokens)
    {
        var i = start;
        var previous = -1;
        while (i < text.Length)
        {
            var rune = RuneAt(text, i);
            if (!IsCjk(rune))
            {
                break;
            }
            var end = i + rune.Utf16SequenceLength;
            tokens.Add(new AnalyzedToken(Normalize(text[i..end]), i, end));
            if (previous >= 0)
            {
                tokens.Add(new AnalyzedToken(Normalize(text[previous..end]), previous, end));
            }
            previous = i;
            i = end;
        }
        return i;
    }

    /// <summary>
    /// A word: letters/digits, joined across single <c>_ . -</c> between letters/digits, with a trailing
    /// <c>++</c> or <c>#</c>. Emits the whole word and, for a compound, each part.
    /// </summary>
    private static int AnalyzeWord(string text, int start, List<AnalyzedToken> tokens)
    {
        var i = PartEnd(text, start);
        // Most words are one part: the list of parts exists only for compounds (its lists were 5 % of a search's allocations).
        var first = (Start: start, End: i);
        List<(int Start, int End)>? parts = null;
        while (i + 1 < text.Length && text[i] is '_' or '.' or '-' && RuneAt(text, i + 1) is var next
               && Rune.IsLetterOrDigit(next) && !IsCjk(next))
        {
            var partStart = i + 1;
            i = PartEnd(text, partStart);
            (parts ??= [first]).Add((partStart, i));
        }
        var end = i;
        var suffixed = false;
        if (end < text.Length)
        {
            if (text[end] == '#' && (end + 1 == text.Length || !char.IsLetterOrDigit(text[end + 1])))
            {
                end++;
                suffixed = true;
            }
            else if (end + 1 < text.Length && text[end] == '+' && text[end + 1] == '+'
                     && (end + 2 == text.Length || !char.IsLetterOrDigit(text[end + 2]) && text[end + 2] != '+'))
            {
                end += 2;
                suffixed = true;
            }
        }

        Emit(tokens, text, start, end, stem: parts is null && !suffixed);
        foreach (var (partStart, partEnd) in parts ?? [])
        {
            Emit(tokens, text, partStart, partEnd, stem: true);
        }
        return end;
    }

    /// <summary>Where the run of Latin-script letters and digits starting at <paramref name="start"/> ends.</summary>
    private static int PartEnd(string text, int start)
    {
        var i = start;
        while (i < text.Length && RuneAt(text, i) is var r && Rune.IsLetterOrDigit(r) && !IsCjk(r))
        {
            i += r.Utf16SequenceLength;
        }
        return i;
    }

    private static void Emit(List<AnalyzedToken> tokens, string text, int start, int end, bool stem)
    {
        if (end - start > MaxTermLength)
        {
            return;
        }
        var term = Normalize(text[start..end]);
        if (StopWords.Contains(term))
        {
            return;
        }
        if (stem)
        {
            term = StemPlural(term);
        }
        tokens.Add(new AnalyzedToken(term, start, end));
    }

    private static string Normalize(string token)
    {
        // ASCII and the BMP's CJK unified ideographs are their own NFKC form (no decomposition; the ideographs have no
        // case either), and they are nearly every token: no call into ICU for them (TextAnalyzerTests checks the claim).
        if (Ascii.IsValid(token))
        {
            return token.ToLowerInvariant();
        }
        if (IsUnifiedIdeographs(token))
        {
            return token;
        }
        var normalized = token.IsNormalized(NormalizationForm.FormKC) ? token : token.Normalize(NormalizationForm.FormKC);
        return normalized.ToLowerInvariant();
    }

    /// <summary>Whether every character is a CJK unified ideograph of the BMP (U+3400–U+4DBF, U+4E00–U+9FFF).</summary>
    internal static bool IsUnifiedIdeographs(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is not (>= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Harman's S-stemmer: ies→y, es→e, s→ (not after u or s); words only, at least 4 letters.</summary>
    internal static string StemPlural(string term)
    {
        if (term.Length < 4 || !term.All(char.IsAsciiLetterLower))
        {
            return term;
        }
        if (term.EndsWith("ies", StringComparison.Ordinal) && !term.EndsWith("eies", StringComparison.Ordinal) && !term.EndsWith("aies", StringComparison.Ordinal))
        {
            return term[..^3] + "y";
        }
        if (term.EndsWith("es", StringComparison.Ordinal) && !term.EndsWith("aes", StringComparison.Ordinal)
            && !term.EndsWith("ees", StringComparison.Ordinal) && !term.EndsWith("oes", StringComparison.Ordinal))
        {
            return term[..^1];
        }
        if (term.EndsWith('s') && !term.EndsWith("us", StringComparison.Ordinal) && !term.EndsWith("ss", StringComparison.Ordinal))
        {
            return term[..^1];
        }
        return term;
    }

    /// <summary>The rune at <paramref name="index"/>; U+FFFD for an unpaired surrogate.</summary>
    internal static Rune RuneAt(string text, int index) =>
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out _) == System.Buffers.OperationStatus.Done ? rune : Rune.ReplacementChar;

    internal static bool IsCjk(Rune rune)
    {
        var v = rune.Value;
        return v is >= 0x3400 and <= 0x4DBF      // CJK extension A
            or >= 0x4E00 and <= 0x9FFF           // CJK unified ideographs
            or >= 0xF900 and <= 0xFAFF           // compatibility ideographs
            or >= 0x20000 and <= 0x3FFFF         // extensions B and later (surrogate pairs)
            or >= 0x3040 and <= 0x30FF           // hiragana, katakana
            or >= 0x31F0 and <= 0x31FF
            or >= 0xAC00 and <= 0xD7AF;          // hangul syllables
    }
}
