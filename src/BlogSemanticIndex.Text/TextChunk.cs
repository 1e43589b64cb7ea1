namespace BlogSemanticIndex.Text;

/// <summary>
/// One piece of a post's document text, small enough for the encoder.
/// <c>document.Text[CharStart..CharEnd] == Text</c>, so a snippet can be cut from the document around it.
/// </summary>
/// <param name="Ordinal">0-based position of the chunk in the post.</param>
/// <param name="TokenCount">Tokens in the chunk, without the encoder's special tokens.</param>
/// <param name="TextHash">Lowercase hex SHA-256 of <see cref="Text"/> as UTF-8: re-embed only when it changes.</param>
public sealed record TextChunk(long PostId, int Ordinal, string Text, int CharStart, int CharEnd, int TokenCount, string TextHash);
