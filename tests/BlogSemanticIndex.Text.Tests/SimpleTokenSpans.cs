using System.Globalization;
using System.Text;

namespace BlogSemanticIndex.Text.Tests;

/// <summary>
/// A small real tokenizer shaped like BERT's basic + WordPiece split: whitespace separates, every CJK character and
/// every punctuation mark or symbol (emoji included) is a token of its own, and letter/digit runs are words cut into
/// pieces of at most <see cref="MaxPieceChars"/> characters (as WordPiece cuts unknown long words).
/// </summary>
internal sealed class SimpleTokenSpans : ITokenSpans
{
    public const int MaxPieceChars = 8;

    public IReadOnlyList<(int Start, int End)> TokenSpans(string text)
    {
        var spans = new List<(int Start, int End)>();
        var i = 0;
        while (i < text.Length)
        {
            var rune = Rune.GetRuneAt(text, i);
            var width = rune.Utf16SequenceLength;
            if (Rune.IsWhiteSpace(rune))
            {
                i += width;
            }
            else if (IsWordRune(rune))
            {
                var pieceStart = i;
                var pieceChars = 0;
                while (i < text.Length && Rune.GetRuneAt(text, i) is var r && IsWordRune(r))
                {
                    if (pieceChars == MaxPieceChars)
                    {
                        spans.Add((pieceStart, i));
                        pieceStart = i;
                        pieceChars = 0;
                    }
                    i += r.Utf16SequenceLength;
                    pieceChars++;
                }
                spans.Add((pieceStart, i));
            }
            else
            {
                spans.Add((i, i + width));
                i += width;
            }
        }
        return spans;
    }

    private static bool IsWordRune(Rune rune) =>
        (Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark) && !IsCjk(rune);

    private static bool IsCjk(Rune rune) =>
        rune.Value is >= 0x3040 and <= 0x30FF or >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xAC00 and <= 0xD7AF
            or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x2FFFF;
}
