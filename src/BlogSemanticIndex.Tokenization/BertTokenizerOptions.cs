namespace BlogSemanticIndex.Tokenization;

/// <summary>
/// The settings of a BERT WordPiece tokenizer, named after Hugging Face's <c>BertNormalizer</c> and <c>WordPiece</c>
/// fields in <c>tokenizer.json</c> (and the matching <c>tokenizer_config.json</c> keys).
/// </summary>
public sealed record BertTokenizerOptions
{
    /// <summary>Drop control characters, NUL and U+FFFD; map every whitespace character to a space.</summary>
    public bool CleanText { get; init; } = true;

    /// <summary>Make every CJK ideograph a word of its own (<c>handle_chinese_chars</c> / <c>tokenize_chinese_chars</c>).</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Lower-case the text (<c>lowercase</c> / <c>do_lower_case</c>).</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>
    /// Decompose (NFD) and drop non-spacing marks. <see langword="null"/> follows <see cref="LowerCase"/>, as in
    /// Hugging Face, where <c>strip_accents: null</c> means "strip when lower-casing".
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>Words longer than this many code points become a single unknown token.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    public string ContinuingSubwordPrefix { get; init; } = "##";

    public string UnknownToken { get; init; } = "[UNK]";

    public string ClsToken { get; init; } = "[CLS]";

    public string SepToken { get; init; } = "[SEP]";

    public string PadToken { get; init; } = "[PAD]";

    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>The longest id sequence the model accepts, specials included.</summary>
    public int MaxLength { get; init; } = 512;

    internal bool EffectiveStripAccents => StripAccents ?? LowerCase;
}
