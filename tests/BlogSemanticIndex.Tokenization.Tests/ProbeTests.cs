using System.Globalization;
using System.Text;
using Tokenizers.DotNet;
namespace BlogSemanticIndex.Tokenization.Tests;
public class ProbeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Generate()
    {
        var folder = "/work/shared/data/models/bge-small-zh-v1.5-no-weights";
        var reference = new Tokenizer(vocabPath: Path.Combine(folder, "tokenizer.json"));
        uint[] E(string s) => reference.Encode(s);
        var xy = E("xy");
        var removed = new List<int>();
        var punct = new List<int>();
        for (var c = 0; c < 0x110000; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.OtherNotAssigned) continue;
            var s = char.ConvertFromUtf32(c);
            var a = E("x" + s + "y");
            if (a.SequenceEqual(xy)) { removed.Add(c); continue; }
            if (a.SequenceEqual(E("x " + s + " y"))) punct.Add(c);
        }
        File.WriteAllText("/tmp/removed.txt", string.Join("\n", removed));
        File.WriteAllText("/tmp/isolated.txt", string.Join("\n", punct));
        output.WriteLine($"{removed.Count} {punct.Count}");
    }
}
