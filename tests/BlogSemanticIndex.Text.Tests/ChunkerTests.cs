using System.Text;
using CsCheck;

namespace BlogSemanticIndex.Text.Tests;

public sealed class ChunkerTests
{
    private static readonly SimpleTokenSpans Tokenizer = new();

    private static Chunker Create(int maxTokens, int overlapTokens) =>
        new(Tokenizer, new ChunkerOptions { MaxTokens = maxTokens, OverlapTokens = overlapTokens });

    /// <summary>The invariants every split must keep, checked against the tokenizer's own spans.</summary>
    private static void AssertWellFormed(string text, IReadOnlyList<TextChunk> chunks, int maxTokens, int overlapTokens, long postId = 7)
    {
        var spans = Tokenizer.TokenSpans(text);
        var covered = new bool[spans.Count];
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.Equal(postId, chunk.PostId);
            Assert.Equal(i, chunk.Ordinal);
            Assert.Equal(text[chunk.CharStart..chunk.CharEnd], chunk.Text);
            Assert.Equal(Chunker.Hash(chunk.Text), chunk.TextHash);
            var inside = Enumerable.Range(0, spans.Count).Where(t => spans[t].Start >= chunk.CharStart && spans[t].End <= chunk.CharEnd).ToList();
            Assert.Equal(chunk.TokenCount, inside.Count);
            Assert.InRange(chunk.TokenCount, 1, maxTokens);
            Assert.Equal(spans[inside[0]].Start, chunk.CharStart);
            Assert.Equal(spans[inside[^1]].End, chunk.CharEnd);
            inside.ForEach(t => covered[t] = true);
            if (i > 0)
            {
                var previous = chunks[i - 1];
                Assert.True(chunk.CharStart > previous.CharStart, "chunks move forward");
                var shared = inside.Count(t => spans[t].End <= previous.CharEnd);
                Assert.InRange(shared, overlapTokens == 0 ? 0 : 1, overlapTokens);
            }
        }
        Assert.All(covered, Assert.True);
    }

    private static string RandomText(int seed, int words)
    {
        var random = new Random(seed);
        string[] english = ["search", "index", "vector", "the", "a", "blog", "post", "semantic", "embedding", "Typecho", "3.14", "e.g."];
        string[] chinese = ["搜索", "博客", "文章", "语义", "向量", "中文"];
        var builder = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (random.Next(3) == 0)
            {
                builder.Append(chinese[random.Next(chinese.Length)]);
                builder.Append(random.Next(6) == 0 ? "。" : random.Next(8) == 0 ? "，" : "");
            }
            else
            {
                builder.Append(english[random.Next(english.Length)]);
                builder.Append(random.Next(10) == 0 ? ". " : " ");
            }
            if (random.Next(40) == 0)
            {
                builder.Append(random.Next(2) == 0 ? "\n" : "\n\n");
            }
        }
        return builder.ToString();
    }

    [Fact]
    public void Short_text_is_one_chunk_of_all_its_tokens()
    {
        var chunks = Create(64, 8).Split(7, "  Hello, 世界!  ");

        var chunk = Assert.Single(chunks);
        Assert.Equal("Hello, 世界!", chunk.Text);
        Assert.Equal((2, 12), (chunk.CharStart, chunk.CharEnd));
        Assert.Equal(5, chunk.TokenCount);
    }

    [Theory]
    [InlineData(1, 32, 8)]
    [InlineData(2, 64, 16)]
    [InlineData(3, 254, 32)]
    [InlineData(4, 16, 0)]
    [InlineData(5, 9, 4)]
    public void Random_mixed_text_splits_into_well_formed_overlapping_chunks(int seed, int maxTokens, int overlapTokens)
    {
        var text = RandomText(seed, 3_000);

        var chunks = Create(maxTokens, overlapTokens).Split(7, text);

        Assert.True(chunks.Count > 1);
        AssertWellFormed(text, chunks, maxTokens, overlapTokens);
    }

    [Fact]
    public void Without_overlap_chunks_partition_the_tokens()
    {
        var text = RandomText(9, 1_000);

        var chunks = Create(40, 0).Split(7, text);

        Assert.Equal(Tokenizer.TokenSpans(text).Count, chunks.Sum(c => c.TokenCount));
    }

    [Fact]
    public void Cuts_fall_on_paragraph_breaks_when_there_are_some()
    {
        // Paragraphs of 30 tokens, window of 50: every cut should end a paragraph.
        var paragraph = string.Join(' ', Enumerable.Range(0, 29).Select(i => $"w{i}")) + ".";
        var text = string.Join("\n\n", Enumerable.Repeat(paragraph, 6));

        var chunks = Create(50, 0).Split(7, text);

        Assert.All(chunks, c => Assert.Equal(paragraph, c.Text));
    }

    [Fact]
    public void Chinese_text_is_cut_after_sentence_enders()
    {
        // No spaces at all: only 。！？； mark borders (each sentence is 9 characters plus its ender).
        var sentences = new[] { "今天我们来讨论语义搜索。", "向量索引为什么有用呢？", "因为关键词会漏掉同义词！", "所以我们需要嵌入模型；" };
        var text = string.Concat(Enumerable.Range(0, 20).Select(i => sentences[i % 4]));

        var chunks = Create(24, 0).Split(7, text);

        Assert.All(chunks, c => Assert.Contains(c.Text[^1], "。？！；"));
        AssertWellFormed(text, chunks, 24, 0);
    }

    [Fact]
    public void Closing_quotes_after_a_sentence_end_stay_with_the_sentence()
    {
        var text = string.Concat(Enumerable.Repeat("他说：「我们开始吧。」然后离开了房间。", 10));

        var chunks = Create(16, 0).Split(7, text);

        Assert.All(chunks.SkipLast(1), c => Assert.True(c.Text.EndsWith("。」", StringComparison.Ordinal) || c.Text.EndsWith("了房间。", StringComparison.Ordinal), c.Text));
    }

    [Fact]
    public void Decimal_points_are_not_sentence_ends()
    {
        var text = "Pi is 3.14 and e is 2.71 today. " + string.Join(' ', Enumerable.Repeat("word", 20));

        var first = Create(14, 0).Split(7, text)[0];

        Assert.Equal("Pi is 3.14 and e is 2.71 today.", first.Text);
    }

    [Fact]
    public void One_enormous_word_is_cut_inside_the_word()
    {
        var text = new string('w', 500_000);

        var chunks = Create(254, 32).Split(7, text);

        Assert.True(chunks.Count > 200);
        Assert.Equal(0, chunks[0].CharStart);
        Assert.Equal(text.Length, chunks[^1].CharEnd);
        Assert.All(chunks, c => Assert.InRange(c.TokenCount, 1, 254));
        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.True(pair.Second.CharStart < pair.First.CharEnd));
    }

    [Fact]
    public void Emoji_only_text_is_chunked_by_its_tokens()
    {
        var text = string.Concat(Enumerable.Repeat("🎉👍🏽 ", 100));

        var chunks = Create(32, 4).Split(7, text);

        AssertWellFormed(text, chunks, 32, 4);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n\t ")]
    public void Text_without_tokens_has_no_chunks(string text)
    {
        Assert.Empty(Create(32, 4).Split(7, text));
    }

    [Fact]
    public void Special_token_spans_are_ignored()
    {
        var text = RandomText(11, 300);
        var plain = Create(32, 8).Split(7, text);

        var withSpecials = new Chunker(new WithSpecials(Tokenizer), new ChunkerOptions { MaxTokens = 32, OverlapTokens = 8 }).Split(7, text);

        Assert.Equal(plain, withSpecials);
    }

    [Fact]
    public void Out_of_order_spans_are_rejected_with_a_reason()
    {
        var chunker = new Chunker(new FixedSpans([(4, 8), (0, 3)]), new ChunkerOptions { MaxTokens = 8, OverlapTokens = 0 });

        var error = Assert.Throws<InvalidOperationException>(() => chunker.Split(7, "abcdefghij"));

        Assert.Contains("ascending", error.Message);
    }

    [Fact]
    public void Hash_is_sha256_of_the_utf8_text()
    {
        // FIPS 180-2 test vector.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Chunker.Hash("abc"));
        Assert.NotEqual(Chunker.Hash("中文"), Chunker.Hash("中文 "));
    }

    [Theory]
    [InlineData(4, 0, "Chunking:MaxTokens")]
    [InlineData(32, 16, "Chunking:OverlapTokens")]
    [InlineData(32, -1, "Chunking:OverlapTokens")]
    public void Invalid_options_name_the_setting(int maxTokens, int overlapTokens, string setting)
    {
        var error = Assert.Throws<ArgumentException>(() => Create(maxTokens, overlapTokens));

        Assert.Contains(setting, error.Message);
    }

    /// <summary>Adds the (0, 0) spans a BERT tokenizer reports for [CLS] and [SEP].</summary>
    private sealed class WithSpecials(ITokenSpans inner) : ITokenSpans
    {
        public IReadOnlyList<(int Start, int End)> TokenSpans(string text) => [(0, 0), .. inner.TokenSpans(text), (0, 0)];
    }

    private sealed class FixedSpans(IReadOnlyList<(int Start, int End)> spans) : ITokenSpans
    {
        public IReadOnlyList<(int Start, int End)> TokenSpans(string text) => spans;
    }

    [Fact]
    public void Random_mixed_text_always_splits_into_well_formed_chunks_that_cover_every_token()
    {
        var text = Gen.OneOf("word", "longerwordthanapiece", " ", "\n\n", "算", "法", "。", "😀", "𠀀", "<b>", "&amp;", "v2.14.3", "\t", "e\u0301")
            .Array[0, 400].Select(string.Concat);
        Gen.Select(text, Gen.Int[8, 40], Gen.Int[0, 8], (t, m, o) => (t, m, o)).Sample((sample, maxTokens, overlap) =>
        {
            // The options allow an overlap below half a chunk.
            var overlapTokens = Math.Min(overlap, (maxTokens - 1) / 2);
            var chunks = Create(maxTokens, overlapTokens).Split(7, sample);
            if (Tokenizer.TokenSpans(sample).Count == 0)
            {
                Assert.Empty(chunks);
                return;
            }
            AssertWellFormed(sample, chunks, maxTokens, overlapTokens);
        });
    }
}
