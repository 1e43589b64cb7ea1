using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Whitening;
using Npgsql;
using Pgvector;

namespace LoadBench;

/// <summary>
/// Each leg's engine alone, driven by the same closed-loop clients over the same queries: what the service's rows
/// are compared with. Lucene.NET's BM25 top 10 over the same post texts (the keyword leg's reference), pgvector's
/// <c>ORDER BY embedding &lt;=&gt; q LIMIT 10</c> on the searched table with vectors computed beforehand (the
/// semantic leg's), the same with the query embedded and whitened per request (the least a semantic search
/// does), and the leg's own candidate query (its 400 rows at its ef_search) against the same through the service's node
/// graph built in this process (<see cref="NodeVectorIndexBench"/>). They run in this process, so their CPU is the client column.
/// </summary>
internal static class References
{
    public static Func<Task<Outcome>> LuceneTop10(LuceneBm25 index, QueryStream queries) => () =>
        Task.FromResult(index.Search(queries.Next(), 10).TotalHits == 0 ? new Outcome(Empty: true) : Outcome.Ok);

    /// <param name="dataSource">Its connections have <c>hnsw.ef_search</c> set (connection options), so a request is one statement.</param>
    public static Func<Task<Outcome>> PgvectorTop10(NpgsqlDataSource dataSource, string quotedTable, IReadOnlyList<float[]> vectors) =>
        EachInTurn(dataSource, NearestSql(quotedTable, "chunk_id", 10), vectors);

    /// <summary>The semantic leg's candidate query (<paramref name="rows"/> nearest chunks, with each chunk's post) alone.</summary>
    /// <param name="dataSource">Its connections have the leg's <c>hnsw.ef_search</c> and iterative scan set.</param>
    public static Func<Task<Outcome>> PgvectorNearest(NpgsqlDataSource dataSource, string quotedTable, IReadOnlyList<float[]> vectors, int rows) =>
        EachInTurn(dataSource, NearestSql(quotedTable, "chunk_id, cid", rows), vectors);

    public static Func<Task<Outcome>> EmbedThenPgvectorTop10(NpgsqlDataSource dataSource, string quotedTable, SentenceEncoder encoder,
        WhiteningModel whitening, QueryStream queries) => () =>
        NearestAsync(dataSource, NearestSql(quotedTable, "chunk_id", 10), whitening.Transform(encoder.EncodeQuery(queries.Next())));

    // Only a table name from the whitening store, fixed column lists and an integer reach the SQL text.
    private static string NearestSql(string quotedTable, string columns, int rows) =>
        $"SELECT {columns} FROM {quotedTable} ORDER BY embedding <=> @q LIMIT {rows}";

    /// <summary>Each request the next of the precomputed vectors, round and round.</summary>
    private static Func<Task<Outcome>> EachInTurn(NpgsqlDataSource dataSource, string sql, IReadOnlyList<float[]> vectors)
    {
        var next = 0L;
        return () => NearestAsync(dataSource, sql, vectors[(int)(Interlocked.Increment(ref next) % vectors.Count)]);
    }

    private static async Task<Outcome> NearestAsync(NpgsqlDataSource dataSource, string sql, float[] vector)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("q", ReducedVectors.ToStored(vector));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
        }
        return rows == 0 ? new Outcome(Empty: true) : Outcome.Ok;
    }
}

/// <summary>
/// An indexer's work beside the searches: the product's encoder, as the indexer configures it, embedding batches
/// of corpus chunks one after another on its own thread until stopped.
/// </summary>
internal sealed class IndexingLoad : IDisposable
{
    private const int BatchSize = 32;

    private readonly SentenceEncoder _encoder = SentenceEncoder.Create(new EncoderOptions { Device = "cpu" });
    private readonly IReadOnlyList<string> _texts;
    private CancellationTokenSource? _stop;
    private Thread? _thread;
    private long _embedded;

    public IndexingLoad(IReadOnlyList<string> texts) => _texts = texts;

    public string Precision => _encoder.Info.Precision;

    public void Start()
    {
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _embedded = 0;
        _thread = new Thread(() =>
        {
            // Batches of Indexer:EmbedBatchSize chunks (32 by default), one after another, as a first index or a reindex runs.
            for (var start = 0; !token.IsCancellationRequested; start = (start + BatchSize) % (_texts.Count - BatchSize))
            {
                _encoder.Encode([.. _texts.Skip(start).Take(BatchSize)]);
                Interlocked.Add(ref _embedded, BatchSize);
            }
        }) { IsBackground = true, Name = "indexing load" };
        _thread.Start();
    }

    /// <summary>Stops after the batch in hand; the chunks embedded since <see cref="Start"/>.</summary>
    public long Stop()
    {
        _stop!.Cancel();
        _thread!.Join();
        return Interlocked.Read(ref _embedded);
    }

    public void Dispose()
    {
        _stop?.Dispose();
        _encoder.Dispose();
    }
}
