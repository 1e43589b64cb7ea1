using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Npgsql;

namespace LoadBench;

/// <summary>Encodes the corpus (cached on disk) and writes it into a schema the way the product's indexer does.</summary>
internal static class CorpusIndex
{
    private const int PostsPerBatch = 500;
    private const int SegmentSize = 5000;

    /// <summary>
    /// The chunks' vectors, from the cache under the temp folder where the same encoder (name, revision,
    /// precision) has encoded the same texts before. The cache is kept in segments of
    /// <see cref="SegmentSize"/> chunks, each written as soon as it is encoded, so an interrupted encode
    /// resumes where it stopped.
    /// </summary>
    /// <param name="model">The encoder's name and revision (the options name the same model).</param>
    public static float[][] LoadOrEncode(ModelInfo model, EncoderOptions options, IReadOnlyList<string> texts)
    {
        var safeName = string.Concat(model.Name.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
        var folder = Path.Combine(Path.GetTempPath(), "bsi-loadbench");
        Directory.CreateDirectory(folder);
        SentenceEncoder? encoder = null;
        var vectors = new List<float[]>(texts.Count);
        var (cachedCount, encodedCount) = (0, 0);
        var watch = Stopwatch.StartNew();
        try
        {
            foreach (var segment in texts.Chunk(SegmentSize))
            {
                var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001", segment))))[..16];
                var path = Path.Combine(folder, $"{safeName}-{model.Revision}-{options.Precision}-{key}.f32");
                if (Read(path, segment.Length, model.Dimensions) is { } cached)
                {
                    vectors.AddRange(cached);
                    cachedCount += cached.Length;
                    continue;
                }
                encoder ??= SentenceEncoder.Create(options);
                var encoded = new List<float[]>(segment.Length);
                foreach (var slice in segment.Chunk(256))
                {
                    encoded.AddRange(encoder.Encode(slice));
                    Console.Write($"\rEncoding chunks: {vectors.Count + encoded.Count}/{texts.Count} ({(encodedCount + encoded.Count) / watch.Elapsed.TotalSeconds:F0}/s)   ");
                }
                Write(path, encoded, model.Dimensions);
                vectors.AddRange(encoded);
                encodedCount += encoded.Count;
            }
        }
        finally
        {
            encoder?.Dispose();
        }
        Console.WriteLine(encodedCount == 0
            ? $"Vectors of {cachedCount} chunks from the cache in {folder}"
            : $"\nEncoded {encodedCount} chunks ({options.Precision}) in {watch.Elapsed.TotalMinutes:F1} min; {cachedCount} from the cache in {folder}");
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

    /// <summary>
    /// Posts, chunks, vectors and keyword statistics through <see cref="IndexWriter"/> and
    /// <see cref="KeywordIndexWriter"/> (as the indexer writes them), the model activated (which builds the
    /// raw-vector HNSW index), then the default whitening fitted and switched on (the reduced table and its
    /// HNSW index), as the service's automatic fit does once a blog has enough chunks.
    /// </summary>
    /// <param name="dataSource">Migrated, empty schema.</param>
    public static async Task LoadAsync(NpgsqlDataSource dataSource, SentenceEncoder encoder, Corpus corpus, float[][] vectors)
    {
        var writer = new IndexWriter(dataSource);
        var keywordWriter = new KeywordIndexWriter();
        var model = await writer.RegisterModelAsync(encoder.Info.Name, encoder.Info.Revision, encoder.Dimensions);
        var epoch = new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        var vectorIndex = 0;
        foreach (var batch in corpus.Posts.Chunk(PostsPerBatch))
        {
            var records = new List<PostRecord>(batch.Length);
            var embeddings = new Dictionary<string, float[]>();
            foreach (var post in batch)
            {
                var chunks = new List<ChunkRecord>(post.Chunks.Count);
                using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                for (var ordinal = 0; ordinal < post.Chunks.Count; ordinal++)
                {
                    var chunk = post.Chunks[ordinal];
                    var hash = SHA256.HashData(Encoding.UTF8.GetBytes(chunk.Text));
                    chunks.Add(new ChunkRecord(ordinal, chunk.Text, chunk.CharStart, chunk.CharStart + chunk.Text.Length, chunk.Tokens, hash));
                    embeddings[Convert.ToHexString(hash)] = vectors[vectorIndex++];
                    content.AppendData(hash);
                }
                var created = epoch.AddMinutes(post.Cid * 97);
                records.Add(new PostRecord(post.Cid, "post", post.Title, $"post-{post.Cid}", created, created, content.GetHashAndReset(), chunks));
            }
            await writer.WriteBatchAsync(model, records, embeddings, [], [], "loadbench", null,
                (connection, transaction, chunkIds, ct) => keywordWriter.WriteAsync(connection, transaction, chunkIds, ct));
            Console.Write($"\rWriting posts: {batch[^1].Cid}/{corpus.Posts.Count}   ");
        }
        Console.WriteLine($"\nWrote {corpus.Posts.Count} posts ({vectors.Length} chunks, vectors and keyword statistics) in {clock.Elapsed.TotalSeconds:F0} s");

        clock.Restart();
        await writer.ActivateModelAsync(model);
        Console.WriteLine($"Activated the model (raw HNSW index {IndexWriter.RawIndexName(model.Id)} built) in {clock.Elapsed.TotalSeconds:F0} s");

        var whitening = new WhiteningOptions();
        var fit = await new WhiteningStore(dataSource, whitening).FitAsync(model.Id, whitening.ToParameters());
        Console.WriteLine($"Fitted whitening {whitening.ToParameters()} as version {fit.Version} ({fit.ReducedTable}, {fit.Rows} rows): " +
            $"fit {fit.FitTime.TotalSeconds:F0} s, copy {fit.CopyTime.TotalSeconds:F0} s, HNSW index {fit.IndexTime.TotalSeconds:F0} s");

        // What autovacuum does to a table that has stopped growing: statistics, and the visibility map the
        // keyword leg's index-only scans need (without it each posting is read from the heap as well).
        await using var analyze = dataSource.CreateCommand("VACUUM ANALYZE posts, chunks, chunk_embeddings, keyword_docs, keyword_postings");
        await analyze.ExecuteNonQueryAsync();
    }
}
