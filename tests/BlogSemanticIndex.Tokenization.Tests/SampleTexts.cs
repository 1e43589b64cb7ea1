using System.Text;

namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>The texts the parity tests run on: hand-written edge cases, and sentences read from ../shared.</summary>
internal static class SampleTexts
{
    /// <summary>Blog-like mixed text: Chinese, English, code, symbols Microsoft.ML.Tokenizers got wrong, emoji, controls.</summary>
    public static readonly string[] Mixed =
    [
        "",
        "   \t\n  ",
        "\u0000\u0001\u200B\uFFFD",
        "你好，世界！Hello, World!",
        "用 `dotnet test` 跑测试，然后 ~/bin/bsi 启动服务。",
        "变量 a_2 和 b__3 以及 _private 还有 __init__",
        "罗马数字 ⅴ、Ⅻ、ⅳ 和 ① ② ③",
        "波浪号 ~ 与 ～（全角）以及 `反引号` 和 ｀全角反引号｀",
        "全角字符：ＡＢＣ１２３，，。。！？",
        "emoji 😀😃🎉👨‍👩‍👧 和 🇨🇳 国旗",
        "控制字符\u0007响铃\u001B[0m和\u00AD软连字符",
        "Typecho 博客：<?php echo $this->title(); ?> 输出标题",
        "SELECT * FROM typecho_contents WHERE cid = 42; -- 查询文章",
        "const fn = (x) => x ** 2; // 平方",
        "https://example.com/path?query=值&lang=zh-CN#锚点",
        "邮箱 user.name+tag@example.co.uk 联系我",
        "Ünïcödé àccênts in 中文 text, ÅNGSTRÖM İstanbul ß",
        "日本語のテキスト、ひらがなとカタカナ。한국어 텍스트도 있습니다.",
        "数学公式 E=mc² 以及 ∑ᵢ xᵢ² ≤ ∞ 和 α+β=γ",
        "价格 ¥1,234.56 或 $99.99 或 €10 或 £5",
        "【标题】《书名》「引号」『双引号』“弯引号”‘单引号’",
        "C# 代码：public sealed record Foo(int A_1, string B);",
        "路径 C:\\Users\\admin\\文档\\笔记.md 和 /var/log/nginx/access.log",
        "[CLS] 特殊标记 [SEP] 在文本中 [MASK] 和 [PAD] 与 [UNK]",
        "超长单词 " + new string('a', 99) + " 和 " + new string('b', 100) + " 以及 " + new string('c', 101),
        "兼容汉字 \uF900\uF901 和扩展 B 区 \U00020000\U0002A6D6 与 \U0002B820",
        "Tab\tseparated\tvalues\r\nWindows line\rOld Mac line\u2028line separator\u00A0nbsp\u3000全角空格",
        "##not a continuation ## and #hashtag 和 ＃话题",
        "数字 2026年11月26日 3.14159 1e-10 0x1F 100%",
    ];

    /// <summary>Both sentences of every line of a senteval_cn file (tab-separated: s1, s2, label).</summary>
    public static IEnumerable<string> SentevalSentences(string path, int maxLines = int.MaxValue)
    {
        foreach (var line in File.ReadLines(path, Encoding.UTF8).Take(maxLines))
        {
            var fields = line.Split('\t');
            if (fields.Length >= 2)
            {
                yield return fields[0];
                yield return fields[1];
            }
        }
    }

    /// <summary>The two sentences of every row of an STS-B CSV (sentence1,sentence2,score; quoted where needed).</summary>
    public static IEnumerable<string> StsbSentences(string path)
    {
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            var fields = ParseCsvLine(line);
            if (fields.Count >= 3)
            {
                yield return fields[0];
                yield return fields[1];
            }
        }
    }

    private static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
