using System.Globalization;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary>Our TorchSharp MiniLM against ONNX Runtime running the package's own model.onnx on the same token ids.</summary>
[Collection(MiniLmCollectionDefinition.Name)]
public sealed class SentenceEncoderExactnessTests(MiniLmFixture fixture)
{
    [Fact]
    public void Every_varied_text_matches_onnx_runtime_to_cosine_0_9999()
    {
        var texts = TestData.VariedTexts();
        Assert.True(texts.Count >= 200, $"only {texts.Count} texts");
        var ids = texts.Select(fixture.Encoder.Tokenize).ToList();
        Assert.Contains(ids, i => i.Length == fixture.Encoder.MaxTokens); // the 2,000-word text, truncated
        Assert.Contains(ids, i => i.Length == 2); // empty after cleaning: [CLS] [SEP] only

        var ours = fixture.Encoder.EncodeIds(ids);

        var failures = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            var cosine = VectorMath.Cosine(ours[i], fixture.ReferenceEmbedding(ids[i]));
            if (!(cosine >= 0.9999))
            {
                failures.Add($"#{i} ({ids[i].Length} tokens) cosine {cosine:F6}: {texts[i][..Math.Min(40, texts[i].Length)]}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void Stsb_english_test_spearman_equals_onnx_runtime_to_three_decimals()
    {
        var path = TestData.RequireShared("stsb/stsb-en-test.csv");
        var rows = ReadCsv(path);
        var sentences = rows.SelectMany(r => new[] { r.First, r.Second }).Distinct().ToList();
        var ids = sentences.Select(fixture.Encoder.Tokenize).ToList();
        var ours = fixture.Encoder.EncodeIds(ids);
        // ONNX Runtime in padded batches of similar lengths: the reference for 2,700 sentences in reasonable time.
        var reference = new float[ids.Count][];
        foreach (var chunk in Enumerable.Range(0, ids.Count).OrderBy(i => ids[i].Length).Chunk(32))
        {
            var vectors = fixture.ReferenceEmbeddings(chunk.Select(i => ids[i]).ToList());
            for (var k = 0; k < chunk.Length; k++)
            {
                reference[chunk[k]] = vectors[k];
            }
        }
        var index = sentences.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i);

        var scores = rows.Select(r => r.Score).ToList();
        var oursRho = VectorMath.Spearman(rows.Select(r => VectorMath.Cosine(ours[index[r.First]], ours[index[r.Second]])).ToList(), scores);
        var referenceRho = VectorMath.Spearman(rows.Select(r => VectorMath.Cosine(reference[index[r.First]], reference[index[r.Second]])).ToList(), scores);

        Assert.Equal(Math.Round(referenceRho, 3), Math.Round(oursRho, 3));
        Assert.InRange(oursRho, 0.81, 0.83); // the package itself reaches 0.8205
    }

    private static List<(string First, string Second, double Score)> ReadCsv(string path)
    {
        var rows = new List<(string, string, double)>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var fields = SplitCsvLine(line);
            rows.Add((fields[0], fields[1], double.Parse(fields[2], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    private static List<string> SplitCsvLine(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        fields.Add(current.ToString());
        return fields;
    }
}
