using BlogSemanticIndex.Text;

namespace BlogSemanticIndex.Indexing.Tests;

[Collection(EncoderCollectionDefinition.Name)]
public sealed class WordPieceTokenSpansTests(EncoderFixture encoder)
{
    [Fact]
    public void Spans_are_the_encoders_own_tokens_without_the_special_ones()
    {
        const string text = "Semantic search, 向量检索 and unaffable words.";
        var reference = encoder.Encoder.Tokenizer.Encode(text, 512);

        var spans = encoder.TokenSpans.TokenSpans(text);

        Assert.Equal(reference.Offsets[1..^1], spans);
        Assert.Equal(reference.Ids.Length - 2, spans.Count);
    }

    [Fact]
    public void A_text_longer_than_the_model_input_is_not_truncated()
    {
        var text = string.Join(' ', Enumerable.Range(0, 2000).Select(i => $"word{i % 10}"));

        var spans = encoder.TokenSpans.TokenSpans(text);

        Assert.Equal(encoder.Encoder.Tokenizer.CountTokens(text), spans.Count);
        Assert.True(spans.Count > encoder.Encoder.Tokenizer.MaxLength);
        Assert.Equal(text.Length, spans[^1].End);
    }

    [Fact]
    public void Chunks_of_a_long_post_fit_the_encoder()
    {
        var text = string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"token{i}"));

        var chunks = new Chunker(encoder.TokenSpans).Split(1, text);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.True(encoder.Encoder.Tokenizer.CountTokens(c.Text) <= encoder.Encoder.MaxTokens - 2));
        Assert.Equal(text.Length, chunks[^1].CharEnd);
    }
}
