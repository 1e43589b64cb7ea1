using System.Text;
using Tokenizers.DotNet;

namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>
/// Every Unicode scalar value (planes 4–13, all unassigned, sampled), in letters' company, through ours and the reference: the character rules (clean text,
/// whitespace, punctuation, CJK, accent stripping, lower-casing) must agree on all of them, not only on the ones a corpus
/// happens to contain.
/// </summary>
public class CodePointSweepTests
{
    [SkippableFact]
    public void EveryCodePointTokenizesAsTheReferenceDoes_Cased()
    {
        var folder = SharedData.Require(ReferenceTokenizers.BgeFolder);
        AssertSweep(WordPieceTokenizer.FromModelFolder(folder), new Tokenizer(vocabPath: Path.Combine(folder, "tokenizer.json")));
    }

    [Fact]
    public void EveryCodePointTokenizesAsTheReferenceDoes_UncasedWithAccentStripping() =>
        AssertSweep(ReferenceTokenizers.OurMiniLm(), ReferenceTokenizers.ReferenceMiniLm());

    private static void AssertSweep(WordPieceTokenizer tokenizer, Tokenizer reference)
    {
        // The same tokenizer without the model's length limit, so that long chunks compare whole.
        var vocabulary = Enumerable.Range(0, tokenizer.VocabularySize).Select(tokenizer.IdToToken).ToArray();
        var ours = WordPieceTokenizer.FromVocabulary(vocabulary, tokenizer.Options with { MaxLength = int.MaxValue });

        // Each code point alone, glued between letters, and after a letter that can take an accent.
        static string Probe(int c)
        {
            var s = char.ConvertFromUtf32(c);
            return $"x{s}y e{s} {s} ";
        }

        var mismatches = new List<string>();
        const int ChunkSize = 512;
        for (var first = 0; first < 0x110000; first += ChunkSize)
        {
            // Planes 4 to 13 have no characters at all; a sample of them is enough.
            var codePoints = Enumerable.Range(first, ChunkSize)
                .Where(c => c is < 0xD800 or > 0xDFFF)
                .Where(c => c is < 0x40000 or >= 0xE0000 || c % 257 == 0)
                .ToArray();
            if (codePoints.Length == 0)
            {
                continue;
            }

            var chunk = string.Concat(codePoints.Select(Probe));
            if (ours.Encode(chunk, int.MaxValue).Ids.SequenceEqual(reference.Ids(chunk)))
            {
                continue;
            }

            foreach (var c in codePoints)
            {
                var text = Probe(c);
                var expected = reference.Ids(text);
                var actual = ours.Encode(text, ours.MaxLength).Ids;
                if (!actual.SequenceEqual(expected))
                {
                    mismatches.Add($"U+{c:X4}: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
                }
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} code points differ:\n{string.Join("\n", mismatches.Take(40))}");
    }
}
