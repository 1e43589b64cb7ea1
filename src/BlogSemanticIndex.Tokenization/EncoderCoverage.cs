using System.Text;

namespace BlogSemanticIndex.Tokenization;

/// <summary>The writing systems coverage is reported by. Digits, punctuation and spaces belong to none.</summary>
public enum Script
{
    Latin,
    Han,
    Kana,
    Hangul,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Thai,
    Devanagari,
    /// <summary>Emoji and other pictographs and symbols.</summary>
    Symbol,
    Other,
}

/// <summary>How many letters of one script a text has, and how many of them the encoder reads.</summary>
public readonly record struct ScriptCount(Script Script, int Characters, int ReadCharacters);

/// <summary>What <see cref="EncoderCoverage.Measure"/> found in a text.</summary>
public sealed record CoverageReport(IReadOnlyList<ScriptCount> Scripts)
{
    public int Characters => Scripts.Sum(s => s.Characters);

    public int ReadCharacters => Scripts.Sum(s => s.ReadCharacters);

    /// <summary>The share of the text's letters the encoder reads; 1 for a text without letters (nothing it cannot read).</summary>
    public double Coverage => Characters == 0 ? 1 : (double)ReadCharacters / Characters;
}

/// <summary>
/// How much of a text an encoder can read: per script, the share of its letters that reach the model as a vocabulary piece
/// of a script the vocabulary was built for, rather than as <c>[UNK]</c> or as one of a handful of stray pieces.
/// </summary>
/// <remarks>
/// Why the vocabulary's inventory and not just <c>[UNK]</c>: English BERT vocabularies (MiniLM's is bert-base-uncased's)
/// carry 244 Han characters picked up from Wikipedia, so a quarter of a Chinese text's characters are not <c>[UNK]</c>,
/// yet the model never learnt what they mean (STS-B zh Spearman 0.0087). A vocabulary built for a script holds thousands of
/// its pieces: bge-small-zh's has 7,322 Han characters, MiniLM's 26,000 Latin pieces. So a script counts as trained when
/// the vocabulary holds at least <see cref="MinPiecesPerScript"/> distinct pieces of it; that works for any WordPiece
/// encoder from its own vocab.txt, with no list of models to keep.
/// </remarks>
public sealed class EncoderCoverage
{
    /// <summary>Distinct vocabulary pieces (without the <c>##</c> prefix) a script needs to count as one the model was trained on.</summary>
    public const int MinPiecesPerScript = 1000;

    private readonly WordPieceTokenizer _tokenizer;
    private readonly HashSet<Script> _trained;

    public EncoderCoverage(WordPieceTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        var pieces = new Dictionary<Script, HashSet<string>>();
        var prefix = tokenizer.Options.ContinuingSubwordPrefix;
        for (var id = 0; id < tokenizer.VocabularySize; id++)
        {
            var piece = tokenizer.IdToToken(id);
            if (piece.StartsWith(prefix, StringComparison.Ordinal))
            {
                piece = piece[prefix.Length..];
            }
            foreach (var script in piece.EnumerateRunes().Select(ScriptOf).OfType<Script>().Distinct())
            {
                if (!pieces.TryGetValue(script, out var set))
                {
                    pieces[script] = set = [];
                }
                set.Add(piece);
            }
        }
        _trained = pieces.Where(p => p.Value.Count >= MinPiecesPerScript).Select(p => p.Key).ToHashSet();
    }

    /// <summary>The scripts this encoder's vocabulary was built for.</summary>
    public IReadOnlySet<Script> TrainedScripts => _trained;

    /// <summary>Letters per script in <paramref name="text"/> and how many the encoder reads (the whole text, not cut at the model's length).</summary>
    public CoverageReport Measure(string text)
    {
        var counts = new Dictionary<Script, (int Characters, int Read)>();
        _tokenizer.Tokenize(text, (id, start, end) =>
        {
            var known = id != _tokenizer.UnknownId;
            foreach (var rune in text.AsSpan(start, end - start).EnumerateRunes())
            {
                if (ScriptOf(rune) is not { } script)
                {
                    continue;
                }
                var (characters, read) = counts.GetValueOrDefault(script);
                counts[script] = (characters + 1, read + (known && _trained.Contains(script) ? 1 : 0));
            }
            return true;
        });
        return new CoverageReport([.. counts.OrderByDescending(c => c.Value.Characters).ThenBy(c => c.Key)
            .Select(c => new ScriptCount(c.Key, c.Value.Characters, c.Value.Read))]);
    }

    /// <summary>The script of a code point; null for digits, punctuation, spaces and marks, which every vocabulary has.</summary>
    public static Script? ScriptOf(Rune rune)
    {
        var v = rune.Value;
        if (Rune.IsLetter(rune))
        {
            return v switch
            {
                <= 0x024F or >= 0x1E00 and <= 0x1EFF or >= 0xFF21 and <= 0xFF5A => Script.Latin,
                >= 0x0370 and <= 0x03FF or >= 0x1F00 and <= 0x1FFF => Script.Greek,
                >= 0x0400 and <= 0x052F => Script.Cyrillic,
                >= 0x0590 and <= 0x05FF => Script.Hebrew,
                >= 0x0600 and <= 0x06FF or >= 0x0750 and <= 0x077F => Script.Arabic,
                >= 0x0900 and <= 0x097F => Script.Devanagari,
                >= 0x0E00 and <= 0x0E7F => Script.Thai,
                >= 0x1100 and <= 0x11FF or >= 0x3130 and <= 0x318F or >= 0xAC00 and <= 0xD7AF => Script.Hangul,
                >= 0x3040 and <= 0x30FF or >= 0x31F0 and <= 0x31FF or >= 0xFF66 and <= 0xFF9F => Script.Kana,
                >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x3FFFF => Script.Han,
                _ => Script.Other,
            };
        }
        // 〇 and the CJK ideographs without a letter category are Han too.
        if (v is 0x3007 or >= 0x3400 and <= 0x9FFF)
        {
            return Script.Han;
        }
        return Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.OtherSymbol ? Script.Symbol : null;
    }
}
