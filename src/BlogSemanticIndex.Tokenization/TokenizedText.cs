namespace BlogSemanticIndex.Tokenization;

/// <summary>
/// The result of <see cref="WordPieceTokenizer.Encode"/>: token ids framed by [CLS] … [SEP], one character span per id
/// (UTF-16 indices into the input string, end exclusive; (0, 0) for the special tokens), and whether tokens were cut
/// off to fit the length limit.
/// </summary>
public sealed record TokenizedText(int[] Ids, (int Start, int End)[] Offsets, bool Truncated)
{
    /// <summary>The number of ids, specials included.</summary>
    public int Length => Ids.Length;
}
