using BlogSemanticIndex.Search.Keyword;

namespace BlogSemanticIndex.Search.Tests;

public sealed class TextAnalyzerTests
{
    private static List<string> Terms(string text) => TextAnalyzer.Analyze(text).Select(t => t.Term).ToList();

    [Fact]
    public void Words_are_lower_cased_NFKC_normalised_and_stop_words_dropped()
    {
        Assert.Equal(["hello", "world", "abc"], Terms("Hello, the WORLD! ＡＢＣ"));
    }

    [Fact]
    public void The_characters_the_analyzer_does_not_send_to_ICU_are_their_own_NFKC_form()
    {
        // Normalize skips ICU for ASCII and the BMP's unified ideographs; ICU itself must agree, for every one of them.
        var ideographs = Enumerable.Range(0x3400, 0x4DBF - 0x3400 + 1).Concat(Enumerable.Range(0x4E00, 0x9FFF - 0x4E00 + 1))
            .Select(c => ((char)c).ToString()).ToList();
        Assert.All(ideographs, c => Assert.True(TextAnalyzer.IsUnifiedIdeographs(c)));
        Assert.True(string.Concat(ideographs).IsNormalized(System.Text.NormalizationForm.FormKC));
        Assert.Equal(string.Concat(ideographs), string.Concat(ideographs).ToLowerInvariant());
        var ascii = new string([.. Enumerable.Range(0, 128).Select(c => (char)c)]);
        Assert.True(ascii.IsNormalized(System.Text.NormalizationForm.FormKC));
        // Compatibility ideographs, just outside the ranges, are not their own form: they stay on the ICU path.
        Assert.False(TextAnalyzer.IsUnifiedIdeographs("\uF900"));
        Assert.False("\uF900".IsNormalized(System.Text.NormalizationForm.FormKC));
        Assert.Equal(["\u8C48"], Terms("\uF900"));
    }

    [Fact]
    public void Identifiers_stay_whole_and_their_parts_are_indexed_too()
    {
        Assert.Equal(["err_conn_4402", "err", "conn", "4402"], Terms("ERR_CONN_4402"));
        Assert.Equal(["v2.14.3", "v2", "14", "3"], Terms("v2.14.3."));
        Assert.Equal(["snake_case", "snake", "case"], Terms("snake_case"));
    }

    [Fact]
    public void Cpp_and_csharp_keep_their_symbols()
    {
        Assert.Equal(["c++", "c#", "f#", "c"], Terms("C++ C# F# C"));
        Assert.Equal(["c++"], Terms("(C++)"));
    }

    [Fact]
    public void Plurals_of_words_are_stemmed_but_short_words_and_ss_us_are_not()
    {
        Assert.Equal(["query", "error", "class", "status", "gas"], Terms("queries errors class status gas"));
    }

    [Fact]
    public void Chinese_becomes_unigrams_and_bigrams_with_their_spans()
    {
        var tokens = TextAnalyzer.Analyze("新词算法");

        Assert.Equal(["新", "词", "新词", "算", "词算", "法", "算法"], tokens.Select(t => t.Term));
        Assert.All(tokens, t => Assert.Equal(t.Term, "新词算法"[t.Start..t.End]));
    }

    [Fact]
    public void Characters_outside_the_basic_plane_are_whole_tokens()
    {
        var tokens = TextAnalyzer.Analyze("𠀀𠀁 😀 x");

        Assert.Equal(["𠀀", "𠀁", "𠀀𠀁", "x"], tokens.Select(t => t.Term));
        Assert.Equal((0, 4), (tokens[2].Start, tokens[2].End));
    }

    [Fact]
    public void Mixed_text_splits_at_script_changes()
    {
        Assert.Equal(["用", "python", "写", "爬", "写爬", "虫", "爬虫"], Terms("用Python写爬虫"));
    }

    [Fact]
    public void Overlong_tokens_are_not_indexed()
    {
        Assert.Empty(Terms(new string('a', TextAnalyzer.MaxTermLength + 1)));
    }
}
