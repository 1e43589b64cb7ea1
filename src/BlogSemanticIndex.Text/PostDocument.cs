namespace BlogSemanticIndex.Text;

/// <summary>
/// The text a post is indexed by: title, then categories and tags, then the body as clean text. Chunk character
/// spans point into <see cref="Text"/>.
/// </summary>
/// <param name="BodyStart">Index in <see cref="Text"/> where the body begins (equals the length when the body is empty).</param>
/// <param name="Truncated">The body was longer than <see cref="TextExtractionOptions.MaxBodyChars"/> and was cut: worth a log line.</param>
/// <param name="RoughText">
/// The body was longer than <see cref="TextExtractionOptions.MaxParsedChars"/> or nested too deep for the parsers, so its
/// tags were stripped by a linear pass (Markdown characters may remain): worth a log line.
/// </param>
public sealed record PostDocument(string Text, int BodyStart, bool Truncated, bool RoughText);
