namespace BlogSemanticIndex.Text;

/// <summary>
/// The encoder's tokenizer seen from the chunker: the character span of every token of <paramref name="text"/>, in
/// order, without special tokens ([CLS], [SEP]) and without truncation. Spans are [Start, End) indexes into the string.
/// </summary>
public interface ITokenSpans
{
    IReadOnlyList<(int Start, int End)> TokenSpans(string text);
}
