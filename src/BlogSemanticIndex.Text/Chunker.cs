using System.Security.Cryptography;
using System.Text;

namespace BlogSemanticIndex.Text;

/// <summary>
/// Cuts a document into chunks of at most <see cref="ChunkerOptions.MaxTokens"/> tokens that overlap by about
/// <see cref="ChunkerOptions.OverlapTokens"/>. Each cut is made at the strongest border in the second half of the
/// window: a paragraph break, then a line break, then a sentence end (. ! ? ; and 。！？；…), then a space between
/// words, and only as a last resort inside a word. Every token is in at least one chunk.
/// </summary>
public sealed class Chunker
{
    private const string SentenceEnders = ".!?;。！？；…";
    private const string Closers = "\"'”’」』）)]》〉";

    private readonly ITokenSpans _tokenizer;
    private readonly ChunkerOptions _options;

    public Chunker(ITokenSpans tokenizer, ChunkerOptions? options = null)
    {
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _options = options ?? new ChunkerOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }
    }

    /// <summary>The chunks of <paramref name="text"/> in order; none when it has no tokens.</summary>
    /// <exception cref="InvalidOperationException">The tokenizer returned spans outside the text or out of order.</exception>
    public IReadOnlyList<TextChunk> Split(long postId, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = ValidSpans(_tokenizer.TokenSpans(text), text.Length);
        var chunks = new List<TextChunk>();
        var count = spans.Count;
        var max = _options.MaxTokens;
        var start = 0;
        while (start < count)
        {
            int end;
            if (count - start <= max)
            {
                end = count;
            }
            else
            {
                end = BestCut(text, spans, start + max / 2, start + max);
            }
            chunks.Add(MakeChunk(postId, chunks.Count, text, spans[start].Start, spans[end - 1].End, end - start));
            if (end == count)
            {
                break;
            }
            start = NextStart(text, spans, start, end);
        }
        return chunks;
    }

    /// <summary>The token index to end before (exclusive), in [<paramref name="from"/>, <paramref name="to"/>]; later wins ties.</summary>
    private static int BestCut(string text, List<(int Start, int End)> spans, int from, int to)
    {
        var best = to;
        var bestScore = -1;
        for (var cut = to; cut >= from; cut--)
        {
            var score = BorderScore(text, spans, cut);
            if (score > bestScore)
            {
                best = cut;
                bestScore = score;
                if (score == 4)
                {
                    break;
                }
            }
        }
        return best;
    }

    /// <summary>
    /// Where the overlap starts: <see cref="ChunkerOptions.OverlapTokens"/> before the cut, moved forward to the first
    /// word border so the chunk does not begin mid-word (but never past the cut).
    /// </summary>
    private int NextStart(string text, List<(int Start, int End)> spans, int start, int end)
    {
        var overlap = _options.OverlapTokens;
        if (overlap == 0)
        {
            return end;
        }
        var next = Math.Max(end - overlap, start + 1);
        for (var candidate = next; candidate < end; candidate++)
        {
            if (BorderScore(text, spans, candidate) >= 1)
            {
                return candidate;
            }
        }
        return next;
    }

    /// <summary>How good a place it is to cut before token <paramref name="index"/>: 0 inside a word … 4 paragraph break.</summary>
    private static int BorderScore(string text, List<(int Start, int End)> spans, int index)
    {
        var previousEnd = spans[index - 1].End;
        var gap = text.AsSpan(previousEnd, spans[index].Start - previousEnd);
        var newlines = gap.Count('\n');
        if (newlines >= 2)
        {
            return 4;
        }
        if (newlines == 1)
        {
            return 3;
        }
        if (EndsSentence(text, previousEnd))
        {
            return 2;
        }
        if (gap.Length > 0 || IsCjk(text[spans[index].Start]) || IsCjk(text[previousEnd - 1]))
        {
            return 1;
        }
        return 0;
    }

    private static bool EndsSentence(string text, int end)
    {
        // Skip up to three closing quotes or brackets: 。」 and ." end sentences too.
        var i = end - 1;
        for (var skipped = 0; i > 0 && skipped < 3 && Closers.Contains(text[i]); skipped++)
        {
            i--;
        }
        if (!SentenceEnders.Contains(text[i]))
        {
            return false;
        }
        // ASCII . and ; end a sentence only before whitespace or the end of the text ("3.14", "a;b" do not).
        var needsSpace = text[i] is '.' or ';';
        return !needsSpace || end >= text.Length || char.IsWhiteSpace(text[end]);
    }

    private static bool IsCjk(char c) =>
        c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF' or >= '\uAC00' and <= '\uD7AF'
            or >= '\uF900' and <= '\uFAFF' or >= '\u3000' and <= '\u303F' or >= '\uFF00' and <= '\uFFEF';

    private static List<(int Start, int End)> ValidSpans(IReadOnlyList<(int Start, int End)> spans, int length)
    {
        var result = new List<(int Start, int End)>(spans.Count);
        var previousEnd = 0;
        foreach (var (start, end) in spans)
        {
            if (end <= start)
            {
                continue; // special tokens and empty pieces carry no text
            }
            if (start < previousEnd || end > length)
            {
                throw new InvalidOperationException(
                    $"token span [{start}, {end}) is out of order or outside the text (length {length}, previous end {previousEnd}); the tokenizer adapter must return ascending character spans");
            }
            result.Add((start, end));
            previousEnd = end;
        }
        return result;
    }

    private static TextChunk MakeChunk(long postId, int ordinal, string text, int charStart, int charEnd, int tokenCount)
    {
        var chunkText = text[charStart..charEnd];
        return new TextChunk(postId, ordinal, chunkText, charStart, charEnd, tokenCount, Hash(chunkText));
    }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes; the same function the index uses to detect changed chunks.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
