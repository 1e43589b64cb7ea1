using BlogSemanticIndex.Text;
using BlogSemanticIndex.Tokenization;

namespace BlogSemanticIndex.Indexing;

/// <summary>
/// The encoder's WordPiece tokenizer as the chunker sees it: every token's character span, without [CLS]/[SEP] and
/// without truncation.
/// </summary>
/// <remarks>
/// <see cref="WordPieceTokenizer.Encode"/> caps its limit at the model's <see cref="WordPieceTokenizer.MaxLength"/>, and
/// a post is much longer than one model input, so this keeps a second tokenizer over the same vocabulary and settings
/// whose only difference is an unbounded length. Its token boundaries are the encoder's own.
/// </remarks>
public sealed class WordPieceTokenSpans : ITokenSpans
{
    private readonly WordPieceTokenizer _unbounded;

    public WordPieceTokenSpans(WordPieceTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var vocabulary = new string[tokenizer.VocabularySize];
        for (var id = 0; id < vocabulary.Length; id++)
        {
            vocabulary[id] = tokenizer.IdToToken(id);
        }
        _unbounded = WordPieceTokenizer.FromVocabulary(vocabulary, tokenizer.Options with { MaxLength = int.MaxValue });
    }

    public IReadOnlyList<(int Start, int End)> TokenSpans(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var encoded = _unbounded.Encode(text, int.MaxValue);
        var spans = new List<(int Start, int End)>(Math.Max(0, encoded.Offsets.Length - 2));
        foreach (var span in encoded.Offsets)
        {
            // [CLS] and [SEP] carry (0, 0); no real token is empty.
            if (span.End > span.Start)
            {
                spans.Add(span);
            }
        }
        return spans;
    }
}
