using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Embedding;

namespace BlogSemanticIndex.Evaluation;

/// <summary>
/// Encoded texts cached under the temp folder for the benchmarks, keyed by model name, revision, precision and a hash
/// of the texts, so a rerun skips minutes of encoding on a CPU. Files: count and dimensions (int32), then the vectors
/// as float32.
/// </summary>
public static class VectorCache
{
    /// <summary>The vectors of <paramref name="texts"/> by <paramref name="encoder"/>, from the cache when it has them.</summary>
    public static float[][] LoadOrEncode(SentenceEncoder encoder, IReadOnlyList<string> texts, string folderName) =>
        LoadOrEncode(encoder.Info, encoder.Info.Precision, () => encoder, texts, folderName);

    /// <summary>
    /// The vectors of <paramref name="texts"/> by the encoder <paramref name="model"/> names in
    /// <paramref name="precision"/>, kept in segments of <paramref name="segmentSize"/> texts, each written as soon as
    /// it is encoded so an interrupted encode resumes where it stopped. <paramref name="encoder"/> is called only
    /// when a segment is missing (a fully cached run never loads the model).
    /// </summary>
    public static float[][] LoadOrEncode(ModelInfo model, string precision, Func<SentenceEncoder> encoder, IReadOnlyList<string> texts,
        string folderName, int segmentSize = int.MaxValue)
    {
        var safeName = string.Concat(model.Name.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
        var folder = Path.Combine(Path.GetTempPath(), folderName);
        Directory.CreateDirectory(folder);
        var vectors = new List<float[]>(texts.Count);
        var (cachedCount, encodedCount) = (0, 0);
        var watch = Stopwatch.StartNew();
        foreach (var segment in texts.Chunk(segmentSize))
        {
            var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001", segment))))[..16];
            var path = Path.Combine(folder, $"{safeName}-{model.Revision}-{precision}-{key}.f32");
            if (Read(path, segment.Length, model.Dimensions) is { } cached)
            {
                vectors.AddRange(cached);
                cachedCount += cached.Length;
                continue;
            }
            var encoded = new List<float[]>(segment.Length);
            foreach (var slice in segment.Chunk(128))
            {
                encoded.AddRange(encoder().Encode(slice));
                Console.Write($"\rEncoding: {vectors.Count + encoded.Count}/{texts.Count} ({(encodedCount + encoded.Count) / watch.Elapsed.TotalSeconds:F0}/s)   ");
            }
            Write(path, encoded, model.Dimensions);
            vectors.AddRange(encoded);
            encodedCount += encoded.Count;
        }
        Console.WriteLine(encodedCount == 0
            ? $"Vectors of {cachedCount} texts from the cache in {folder}"
            : $"\nEncoded {encodedCount} texts ({precision}) in {watch.Elapsed.TotalMinutes:F1} min; {cachedCount} from the cache in {folder}");
        return [.. vectors];
    }

    private static float[][]? Read(string path, int count, int dimensions)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadInt32() != count || reader.ReadInt32() != dimensions)
        {
            return null;
        }
        var vectors = new float[count][];
        var bytes = new byte[dimensions * sizeof(float)];
        for (var i = 0; i < count; i++)
        {
            reader.BaseStream.ReadExactly(bytes);
            vectors[i] = new float[dimensions];
            Buffer.BlockCopy(bytes, 0, vectors[i], 0, bytes.Length);
        }
        return vectors;
    }

    private static void Write(string path, List<float[]> vectors, int dimensions)
    {
        var temporary = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(vectors.Count);
            writer.Write(dimensions);
            var bytes = new byte[dimensions * sizeof(float)];
            foreach (var vector in vectors)
            {
                Buffer.BlockCopy(vector, 0, bytes, 0, bytes.Length);
                writer.Write(bytes);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }
}
