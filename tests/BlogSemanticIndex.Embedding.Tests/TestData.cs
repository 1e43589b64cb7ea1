using System.Text;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>Deterministic test texts and the shared evaluation data beside the repository.</summary>
internal static class TestData
{
    /// <summary>The path of a shared data file, or a skip of the calling test when it is absent.</summary>
    public static string RequireShared(string relativePath) => BlogSemanticIndex.TestSupport.SharedData.Require(relativePath);

    private static readonly string[] English =
    [
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "semantic", "search", "blog", "post", "index",
        "vector", "database", "PostgreSQL", "typecho", "plugin", "theme", "comment", "archive", "tag", "category",
        "writing", "morning", "coffee", "travel", "Tokyo", "Berlin", "recipe", "bread", "garden", "tomatoes", "running",
        "marathon", "photography", "lens", "camera", "Linux", "kernel", "compiler", "unbelievably", "naïve", "café",
        "résumé", "don't", "it's", "U.S.A.", "e-mail", "3.14159", "2024-05-01", "100%", "#hashtag", "@user",
    ];

    private static readonly string[] Chinese =
    [
        "今天", "天气", "很好", "我们", "一起", "去", "公园", "散步", "博客", "文章", "搜索", "向量", "数据库", "语义",
        "机器学习", "深度学习", "模型", "训练", "中文", "分词", "测试", "北京", "上海", "咖啡", "早餐", "旅行", "照片",
        "，", "。", "！", "？", "《红楼梦》", "“引号”", "（括号）", "１２３", "ｆｕｌｌｗｉｄｔｈ",
    ];

    private static readonly string[] Code =
    [
        "def", "foo(x):", "return", "x**2", "if", "(a", "&&", "b)", "{", "}", "=>", "var", "list", "=", "new", "List<int>();",
        "SELECT", "*", "FROM", "posts", "WHERE", "id", "=", "$1;", "console.log('hi');", "#include", "<stdio.h>", "a_2",
        "snake_case_name", "camelCaseName", "`backtick`", "~tilde", "0x1F", "std::vector<T>", "//", "comment", "/*", "*/",
    ];

    private static readonly string[] Emoji = ["🚀", "😀", "👍🏽", "❤️", "🇨🇳", "👨‍👩‍👧", "🎉", "☕", "✨", "🐍"];

    /// <summary>At least 200 varied texts: English, Chinese, mixed, code, emoji, empty-after-cleaning, very long.</summary>
    public static List<string> VariedTexts()
    {
        var random = new Random(20241126);
        var texts = new List<string>
        {
            "",
            "   ",
            "\u0000\u0001\u0002\t\n\r",
            "\u200b\ufeff",
            "A",
            "Hello, world!",
            "今天天气很好，我们一起去公园散步吧。",
            "def main():\n    print('hello')\n",
            "🚀🚀🚀",
            "ÀÉÎÕÜ àéîõü Ññ Çç",
            "Typecho 是一个轻量的博客程序 (blog engine) written in PHP.",
            "https://example.com/path?query=1&x=2#frag",
            "[CLS] [SEP] [PAD] [MASK] [UNK]",
            string.Join(" ", Enumerable.Range(0, 2000).Select(i => English[random.Next(English.Length)])),
        };
        string Words(string[] pool, int count, string separator) =>
            string.Join(separator, Enumerable.Range(0, count).Select(_ => pool[random.Next(pool.Length)]));
        for (var i = 0; i < 60; i++)
        {
            texts.Add(Words(English, 1 + random.Next(i < 50 ? 40 : 300), " "));
        }
        for (var i = 0; i < 50; i++)
        {
            texts.Add(Words(Chinese, 1 + random.Next(i < 40 ? 30 : 200), ""));
        }
        for (var i = 0; i < 40; i++)
        {
            texts.Add(Words(Code, 1 + random.Next(60), random.Next(3) == 0 ? "\n" : " "));
        }
        for (var i = 0; i < 40; i++)
        {
            var builder = new StringBuilder();
            var parts = 2 + random.Next(20);
            for (var p = 0; p < parts; p++)
            {
                var pool = random.Next(4) switch { 0 => English, 1 => Chinese, 2 => Code, _ => Emoji };
                builder.Append(Words(pool, 1 + random.Next(8), pool == Chinese ? "" : " ")).Append(' ');
            }
            texts.Add(builder.ToString());
        }
        return texts;
    }
}
