using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Embedding;

namespace BlogSemanticIndex.Evaluation;

/// <summary>
/// Encoded texts cached under the temp folder for the benchmarks, keyed by model name, revision, precision and a hash
/// of the texts, so a rerun skips minutes of encoding on a CPU.
/// </summary>
public static class VectorCache
{
    public static float[][] LoadOrEncode(SentenceEncoder encoder, IReadOnlyList<string> texts, string folderName)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001", texts))))[..16];
        var safeName = string.Concat(encoder.Info.Name.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
        var folder = Path.Combine(Path.GetTempPath(), folderName);
        var path = Path.Combine(folder, $"{safeName}-{encoder.Info.Revision}-{encoder.Info.Precision}-{key}.f32");
        if (File.Exists(path))
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            var (count, dims) = (reader.ReadInt32(), reader.ReadInt32());
            if (count == texts.Count && dims == encoder.Dimensions)
            {
                var cached = new float[count][];
                for (var i = 0; i < count; i++)
                {
                    cached[i] = new float[dims];
                    for (var j = 0; j < dims; j++)
                    {
                        cached[i][j] = reader.ReadSingle();
                    }
                }
                Console.WriteLine($"Vectors from cache {path}");
                return cached;
            }
        }
        var watch = Stopwatch.StartNew();
        var vectors = new List<float[]>(texts.Count);
        foreach (var slice in texts.Chunk(128))
        {
            vectors.AddRange(encoder.Encode(slice));
            Console.Write($"\rEncoding: {vectors.Count}/{texts.Count} ({vectors.Count / watch.Elapsed.TotalSeconds:F1}/s)");
        }
        Console.WriteLine();
        Directory.CreateDirectory(folder);
        var temporary = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(vectors.Count);
            writer.Write(encoder.Dimensions);
            foreach (var vector in vectors)
            {
                foreach (var value in vector)
                {
                    writer.Write(value);
                }
            }
        }
        File.Move(temporary, path, overwrite: true);
        return [.. vectors];
    }
}
