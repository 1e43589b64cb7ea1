using System.Buffers;
using System.Text;

namespace BlogSemanticIndex.Tokenization;

/// <summary>
/// A BERT WordPiece tokenizer that gives the same ids as the Hugging Face tokenizers library (<c>BertNormalizer</c> →
/// <c>BertPreTokenizer</c> → <c>WordPiece</c> → <c>[CLS] $A [SEP]</c>), with a character span for every token.
/// </summary>
/// <remarks>
/// Written here rather than wrapping Microsoft.ML.Tokenizers' <c>BertTokenizer</c>, for three reasons. Its
/// pre-tokenizer departs from Hugging Face's (it drops <c>~</c>, the backquote and <c>ⅴ</c> and splits <c>a_2</c>
/// differently: 8 of 4,006 Chinese texts came out different). Any tokenizer that asks .NET for Unicode categories cannot
/// be exact: the reference uses Unicode 8 tables, and with .NET's own categories 819,695 code points tokenised
/// differently (see <see cref="BertUnicodeTables"/>). And pre-tokenising its input ourselves would still leave the
/// offsets into the caller's string to be rebuilt. The whole algorithm is a page of code, so every rule is visible here
/// and in <see cref="BertCharRules"/>, and the tests check it code point by code point against the reference.
/// Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class WordPieceTokenizer
{
    private readonly BertTokenizerOptions _options;
    private readonly string[] _vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wordStarts;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuations;

    // Special tokens are matched in the raw text before normalisation, longest first, as Hugging Face's added
    // vocabulary does for tokens with "normalized": false.
    private readonly (string Content, int Id)[] _specialTokens;
    private readonly SearchValues<char> _specialTokenFirstChars;

    internal WordPieceTokenizer(IReadOnlyList<string> vocabulary, BertTokenizerOptions options,
        IEnumerable<(string Content, int Id)>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxLength < 2)
        {
            throw new ArgumentException($"MaxLength must be at least 2 (room for [CLS] and [SEP]); got {options.MaxLength}.", nameof(options));
        }

        _options = options;
        _vocabulary = [.. vocabulary];
        var wordStarts = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        var continuations = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < _vocabulary.Length; id++)
        {
            var token = _vocabulary[id];

            // A token listed twice keeps its last id, as when Hugging Face reads vocab.txt into a map.
            wordStarts[token] = id;
            if (token.StartsWith(options.ContinuingSubwordPrefix, StringComparison.Ordinal))
            {
                continuations[token[options.ContinuingSubwordPrefix.Length..]] = id;
            }
        }

        _wordStarts = wordStarts.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuations = continuations.GetAlternateLookup<ReadOnlySpan<char>>();

        UnknownId = RequireToken(wordStarts, options.UnknownToken, "unknown");
        ClsId = RequireToken(wordStarts, options.ClsToken, "classification");
        SepId = RequireToken(wordStarts, options.SepToken, "separator");
        PadId = RequireToken(wordStarts, options.PadToken, "padding");

        var specials = (specialTokens ?? DefaultSpecialTokens(wordStarts, options))
            .Where(t => t.Content.Length > 0)
            .OrderByDescending(t => t.Content.Length)
            .ToArray();
        _specialTokens = specials;
        _specialTokenFirstChars = SearchValues.Create([.. specials.Select(t => t.Content[0]).Distinct()]);
    }

    public int PadId { get; }

    public int ClsId { get; }

    public int SepId { get; }

    public int UnknownId { get; }

    /// <summary>The longest id sequence the model takes, [CLS] and [SEP] included.</summary>
    public int MaxLength => _options.MaxLength;

    public int VocabularySize => _vocabulary.Length;

    public BertTokenizerOptions Options => _options;

    /// <summary>
    /// Loads the tokenizer of a Hugging Face model folder: <c>tokenizer.json</c> when present, else <c>vocab.txt</c>
    /// with <c>tokenizer_config.json</c>. The length limit is that of sentence-transformers: <c>max_seq_length</c> from
    /// <c>sentence_bert_config.json</c> when present, else the smaller of <c>model_max_length</c> and
    /// <c>max_position_embeddings</c>.
    /// </summary>
    public static WordPieceTokenizer FromModelFolder(string folder) => TokenizerFolderReader.Read(folder);

    /// <summary>Builds a tokenizer from the lines of a <c>vocab.txt</c> (id = line number).</summary>
    public static WordPieceTokenizer FromVocabulary(Stream vocabTxt, BertTokenizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(vocabTxt);
        return new WordPieceTokenizer(TokenizerFolderReader.ReadVocabularyLines(vocabTxt), options);
    }

    /// <summary>Builds a tokenizer from a vocabulary given in id order.</summary>
    public static WordPieceTokenizer FromVocabulary(IReadOnlyList<string> vocabulary, BertTokenizerOptions options) =>
        new(vocabulary, options);

    /// <summary>The token string of an id, e.g. <c>"##ing"</c>.</summary>
    public string IdToToken(int id) => _vocabulary[id];

    /// <summary>
    /// Tokenises <paramref name="text"/> into <c>[CLS] … [SEP]</c>, keeping the first tokens when the text is too long.
    /// </summary>
    /// <param name="text">Any string; control characters and the like are dropped as the reference does.</param>
    /// <param name="maxTokens">
    /// The most ids to return, [CLS] and [SEP] included; at least 2. Values above <see cref="MaxLength"/> are lowered to
    /// it, since the model cannot take more.
    /// </param>
    public TokenizedText Encode(string text, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (maxTokens < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "maxTokens must be at least 2, room for [CLS] and [SEP].");
        }

        var limit = Math.Min(maxTokens, MaxLength) - 2;
        var ids = new List<int>(Math.Min(limit, text.Length) + 2) { ClsId };
        var offsets = new List<(int, int)>(ids.Capacity) { (0, 0) };
        var truncated = false;
        Tokenize(text, (id, start, end) =>
        {
            if (ids.Count - 1 == limit)
            {
                truncated = true;
                return false;
            }

            ids.Add(id);
            offsets.Add((start, end));
            return true;
        });
        ids.Add(SepId);
        offsets.Add((0, 0));
        return new TokenizedText([.. ids], [.. offsets], truncated);
    }

    /// <summary>The number of tokens in <paramref name="text"/>, without [CLS] and [SEP] and without truncation.</summary>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        Tokenize(text, (_, _, _) =>
        {
            count++;
            return true;
        });
        return count;
    }

    /// <summary>Receives one token; returns false to stop.</summary>
    internal delegate bool TokenSink(int id, int start, int end);

    internal void Tokenize(string text, TokenSink sink)
    {
        var position = 0;
        while (position < text.Length)
        {
            var (matchStart, special) = FindSpecialToken(text, position);
            if (!TokenizeSegment(text, position, matchStart, sink))
            {
                return;
            }

            if (special.Content is null)
            {
                return;
            }

            if (!sink(special.Id, matchStart, matchStart + special.Content.Length))
            {
                return;
            }

            position = matchStart + special.Content.Length;
        }
    }

    private (int Start, (string Content, int Id) Token) FindSpecialToken(string text, int from)
    {
        if (_specialTokens.Length > 0)
        {
            var i = from;
            while (i < text.Length)
            {
                var hit = text.AsSpan(i).IndexOfAny(_specialTokenFirstChars);
                if (hit < 0)
                {
                    break;
                }

                i += hit;
                foreach (var token in _specialTokens)
                {
                    if (text.AsSpan(i).StartsWith(token.Content, StringComparison.Ordinal))
                    {
                        return (i, token);
                    }
                }

                i++;
            }
        }

        return (text.Length, default);
    }

    /// <summary>Normalises, splits and WordPiece-encodes <c>text[start..end]</c>; false when the sink asked to stop.</summary>
    private bool TokenizeSegment(string text, int start, int end, TokenSink sink)
    {
        if (start == end)
        {
            return true;
        }

        var normalized = Normalize(text, start, end);
        var word = new StringBuilder();
        var wordSpans = new List<(int Start, int End)>();
        for (var i = 0; i < normalized.Count; i++)
        {
            var (rune, origStart, origEnd) = normalized[i];
            if (BertCharRules.IsWhitespace(rune.Value))
            {
                if (!FlushWord(word, wordSpans, sink))
                {
                    return false;
                }

                continue;
            }

            if (BertCharRules.IsPunctuation(rune.Value))
            {
                if (!FlushWord(word, wordSpans, sink))
                {
                    return false;
                }

                AppendRune(word, wordSpans, rune, origStart, origEnd);
                if (!FlushWord(word, wordSpans, sink))
                {
                    return false;
                }

                continue;
            }

            AppendRune(word, wordSpans, rune, origStart, origEnd);
        }

        return FlushWord(word, wordSpans, sink);
    }

    private static void AppendRune(StringBuilder word, List<(int, int)> spans, Rune rune, int start, int end)
    {
        // One span per UTF-16 unit, so that WordPiece's cut points index straight into it.
        Span<char> units = stackalloc char[2];
        var length = rune.EncodeToUtf16(units);
        for (var k = 0; k < length; k++)
        {
            word.Append(units[k]);
            spans.Add((start, end));
        }
    }

    /// <summary>
    /// Applies BertNormalizer's steps in its order (clean text, CJK spacing, accent stripping, lower-casing) and keeps,
    /// for every output code point, the span of the input code point it came from.
    /// </summary>
    private List<(Rune Rune, int Start, int End)> Normalize(string text, int start, int end)
    {
        var output = new List<(Rune, int, int)>(end - start);
        Span<Rune> lowered = stackalloc Rune[2];
        var index = start;
        while (index < end)
        {
            // A lone surrogate decodes as U+FFFD and is then dropped, as Rust never sees it: the UTF-8 the reference
            // gets has it replaced.
            Rune.DecodeFromUtf16(text.AsSpan(index, end - index), out var rune, out var consumed);
            var origStart = index;
            var origEnd = index + consumed;
            index = origEnd;

            var value = rune.Value;
            if (_options.CleanText)
            {
                if (BertCharRules.IsRemovedByCleanText(value))
                {
                    continue;
                }

                if (BertCharRules.IsWhitespace(value))
                {
                    rune = new Rune(' ');
                }
            }

            // CJK ideographs become words of their own. The padding goes round the character before accent stripping,
            // as in the reference, where NFD then maps a compatibility ideograph (U+F900…) to its unified form.
            var isChinese = _options.TokenizeChineseChars && BertCharRules.IsChineseChar(rune.Value);
            if (isChinese)
            {
                output.Add((new Rune(' '), origStart, origEnd));
            }

            if (_options.EffectiveStripAccents)
            {
                foreach (var part in BertCharRules.Decompose(rune).EnumerateRunes())
                {
                    if (!BertCharRules.IsNonSpacingMark(part.Value))
                    {
                        AddLowered(output, part, origStart, origEnd, lowered);
                    }
                }
            }
            else
            {
                AddLowered(output, rune, origStart, origEnd, lowered);
            }

            if (isChinese)
            {
                output.Add((new Rune(' '), origStart, origEnd));
            }
        }

        return output;
    }

    private void AddLowered(List<(Rune, int, int)> output, Rune rune, int start, int end, Span<Rune> buffer)
    {
        if (!_options.LowerCase)
        {
            output.Add((rune, start, end));
            return;
        }

        BertCharRules.AppendLowerCase(rune, buffer, out var written);
        for (var k = 0; k < written; k++)
        {
            output.Add((buffer[k], start, end));
        }
    }

    /// <summary>WordPiece: greedy longest match first, continuation pieces with the "##" prefix.</summary>
    private bool FlushWord(StringBuilder word, List<(int Start, int End)> spans, TokenSink sink)
    {
        if (word.Length == 0)
        {
            return true;
        }

        var chars = word.ToString();
        word.Clear();
        try
        {
            var runeCount = 0;
            foreach (var _ in chars.EnumerateRunes())
            {
                runeCount++;
            }

            if (runeCount > _options.MaxInputCharsPerWord)
            {
                return sink(UnknownId, spans[0].Start, spans[^1].End);
            }

            // Find every piece first: one piece that is not in the vocabulary makes the whole word [UNK].
            var pieces = new List<(int Id, int From, int To)>();
            var from = 0;
            while (from < chars.Length)
            {
                var to = chars.Length;
                var found = -1;
                while (from < to)
                {
                    var candidate = chars.AsSpan(from, to - from);
                    var lookup = from == 0 ? _wordStarts : _continuations;
                    if (lookup.TryGetValue(candidate, out var id))
                    {
                        found = id;
                        break;
                    }

                    // Step back one code point, never into the middle of a surrogate pair.
                    to -= char.IsLowSurrogate(chars[to - 1]) && to - 2 >= from ? 2 : 1;
                }

                if (found < 0)
                {
                    return sink(UnknownId, spans[0].Start, spans[^1].End);
                }

                pieces.Add((found, from, to));
                from = to;
            }

            foreach (var (id, pieceFrom, pieceTo) in pieces)
            {
                if (!sink(id, spans[pieceFrom].Start, spans[pieceTo - 1].End))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            spans.Clear();
        }
    }

    private static int RequireToken(Dictionary<string, int> vocabulary, string token, string role) =>
        vocabulary.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"The vocabulary has no {role} token '{token}'.");

    private static IEnumerable<(string, int)> DefaultSpecialTokens(Dictionary<string, int> vocabulary, BertTokenizerOptions options)
    {
        foreach (var token in new[] { options.PadToken, options.UnknownToken, options.ClsToken, options.SepToken, options.MaskToken })
        {
            if (vocabulary.TryGetValue(token, out var id))
            {
                yield return (token, id);
            }
        }
    }
}
