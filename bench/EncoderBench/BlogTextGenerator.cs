using System.Text;

namespace EncoderBench;

/// <summary>
/// Deterministic blog-like chunks of mixed length and language: about 60% English, 30% Chinese, 10% mixed with code;
/// a third short (a title or a sentence or two), the rest paragraphs, some longer than the model's 256-token window.
/// </summary>
internal static class BlogTextGenerator
{
    private static readonly string[] EnglishWords =
    [
        "I", "we", "you", "the", "a", "this", "that", "my", "our", "blog", "post", "today", "yesterday", "week", "trip",
        "finally", "decided", "to", "write", "about", "how", "why", "what", "setting", "up", "server", "database",
        "PostgreSQL", "index", "search", "semantic", "vectors", "embedding", "model", "plugin", "theme", "Typecho", "PHP",
        "coffee", "morning", "walked", "through", "the", "park", "and", "noticed", "autumn", "leaves", "were", "falling",
        "recipe", "bread", "flour", "water", "salt", "yeast", "oven", "minutes", "temperature", "camera", "lens", "photo",
        "light", "mountain", "river", "city", "train", "station", "ticket", "hotel", "night", "market", "noodles", "tea",
        "reading", "book", "chapter", "author", "story", "character", "thinking", "learning", "Rust", "C#", "Linux",
        "kernel", "update", "bug", "fix", "release", "version", "performance", "faster", "slower", "memory", "CPU",
        "is", "was", "are", "have", "had", "will", "can", "should", "really", "very", "quite", "not", "but", "so", "because",
        "with", "without", "for", "from", "in", "on", "at", "after", "before", "while", "again", "still", "never", "always",
    ];

    private static readonly string[] ChineseSentences =
    [
        "今天早上起得很早，去楼下的咖啡店买了一杯拿铁。", "这篇文章记录一下我搭建博客的过程。", "最近在研究向量数据库和语义搜索。",
        "周末和朋友去爬山，山上的风景非常好。", "面包的配方其实很简单，只需要面粉、水、盐和酵母。", "晚上读完了这本小说的最后一章。",
        "服务器的内存不够用了，只好升级配置。", "这个插件可以让 Typecho 支持全文搜索。", "旅行的第三天，我们到了一个安静的小镇。",
        "学习一门新的编程语言需要耐心。", "秋天的树叶慢慢变黄，公园里到处都是落叶。", "把数据库从 MySQL 迁移到 PostgreSQL 花了一整天。",
        "模型的效果比预期的好很多。", "照片是用一台老相机拍的，颜色很特别。", "这个问题困扰了我好几天，终于找到了原因。",
        "下次想去南方看看海。", "生活中的小事情也值得记录。", "代码写完以后一定要写测试。",
    ];

    private static readonly string[] CodeLines =
    [
        "SELECT id, title FROM posts WHERE status = 'publish' ORDER BY created DESC;", "var list = new List<int> { 1, 2, 3 };",
        "def handler(event): return {'status': 200}", "git commit -m \"fix: search index\"", "curl -s http://localhost:8080/api/search?q=hello",
        "for (int i = 0; i < n; i++) { sum += a[i]; }", "docker run -d --name pg -p 5432:5432 postgres:16",
    ];

    public static List<string> Generate(int count, int seed = 2024)
    {
        var random = new Random(seed);
        var texts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = random.NextDouble();
            var size = random.NextDouble() switch
            {
                < 0.33 => 5 + random.Next(40),
                < 0.8 => 45 + random.Next(150),
                _ => 195 + random.Next(250),
            };
            texts.Add(roll switch
            {
                < 0.6 => English(random, size),
                < 0.9 => Chinese(random, size),
                _ => Mixed(random, size),
            });
        }
        return texts;
    }

    private static string English(Random random, int words)
    {
        var builder = new StringBuilder();
        var sentence = 0;
        for (var w = 0; w < words; w++)
        {
            var word = EnglishWords[random.Next(EnglishWords.Length)];
            builder.Append(sentence == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            sentence++;
            if (sentence > 6 && random.Next(8) == 0)
            {
                builder.Append(random.Next(5) == 0 ? "! " : ". ");
                sentence = 0;
            }
            else
            {
                builder.Append(random.Next(15) == 0 ? ", " : " ");
            }
        }
        return builder.ToString().TrimEnd() + ".";
    }

    // Roughly one token per Chinese character: a target of n "words" becomes about n characters.
    private static string Chinese(Random random, int characters)
    {
        var builder = new StringBuilder();
        while (builder.Length < characters)
        {
            builder.Append(ChineseSentences[random.Next(ChineseSentences.Length)]);
        }
        return builder.ToString();
    }

    private static string Mixed(Random random, int size)
    {
        var builder = new StringBuilder();
        while (builder.Length < size * 3)
        {
            builder.Append(random.Next(3) switch
            {
                0 => English(random, 5 + random.Next(15)),
                1 => ChineseSentences[random.Next(ChineseSentences.Length)],
                _ => CodeLines[random.Next(CodeLines.Length)],
            }).Append('\n');
        }
        return builder.ToString();
    }
}
