using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Evaluation;
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
    /// The chunks' vectors, from the cache under the temp folder (<see cref="VectorCache"/>, in segments of
    /// <see cref="SegmentSize"/> so an interrupted encode resumes). The corpus encoder is loaded only when a segment
    /// is missing.
    /// </summary>
    /// <param name="model">The encoder's name and revision (the options name the same model).</param>
    public static float[][] LoadOrEncode(ModelInfo model, EncoderOptions options, IReadOnlyList<string> texts)
    {
        SentenceEncoder? encoder = null;
        try
        {
            return VectorCache.LoadOrEncode(model, options.Precision, () => encoder ??= SentenceEncoder.Create(options), texts, "bsi-loadbench", SegmentSize);
        }
        finally
        {
            encoder?.Dispose();
        }
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

        // What autovacuum does to tables that have stopped growing, done before measuring rather than during it:
        // statistics, the visibility map the keyword leg's index-only scans need, GIN pending lists merged; every
        // table of the schema (the keyword terms and the reduced vectors too).
        var tables = new List<string>();
        await using (var list = dataSource.CreateCommand("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        await using var analyze = dataSource.CreateCommand($"VACUUM ANALYZE {string.Join(", ", tables)}");
        await analyze.ExecuteNonQueryAsync();
    }
}
