using System.Security.Cryptography;
using BlogSemanticIndex.TestSupport;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace BlogSemanticIndex.Whitening.Tests;

/// <summary>
/// An index schema of its own with one encoder model and synthetic raw chunk vectors written with SQL,
/// as the indexer would leave them (posts → chunks → chunk_embeddings).
/// </summary>
internal sealed class IndexFixture : IAsyncDisposable
{
    private readonly SyntheticGaussian _gaussian;
    private long _nextCid = 1;

    private IndexFixture(TestIndexDatabase database, int modelId, int dimensions, int seed)
    {
        Database = database;
        ModelId = modelId;
        Dimensions = dimensions;
        // An anisotropic cloud off the origin, like sentence embeddings (which share a large common direction).
        _gaussian = new SyntheticGaussian(seed, Enumerable.Range(0, dimensions).Select(i => 4.0 / (1 + i)).ToArray(), meanOffset: 1.5);
    }

    public TestIndexDatabase Database { get; }
    public NpgsqlDataSource DataSource => Database.DataSource;
    public int ModelId { get; }
    public int Dimensions { get; }

    /// <summary>Raw vectors by chunk id, as written.</summary>
    public Dictionary<long, float[]> Raw { get; } = [];

    public static async Task<IndexFixture> CreateAsync(int dimensions, int chunks, int seed = 1)
    {
        var database = await TestIndexDatabase.CreateAsync();
        await using var command = database.DataSource.CreateCommand(
            "INSERT INTO encoder_models (name, revision, dimensions) VALUES ('synthetic', 'r1', @d) RETURNING id");
        command.Parameters.AddWithValue("d", dimensions);
        var modelId = (int)(await command.ExecuteScalarAsync())!;
        var fixture = new IndexFixture(database, modelId, dimensions, seed);
        if (chunks > 0)
        {
            await using var connection = await fixture.DataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await fixture.AddChunksAsync(connection, transaction, chunks);
            await transaction.CommitAsync();
        }
        return fixture;
    }

    public WhiteningStore CreateStore(WhiteningOptions? options = null) => new(DataSource, options);

    public float[] NextVector()
    {
        var x = _gaussian.Next();
        var norm = (float)Math.Sqrt(x.Sum(v => (double)v * v));
        return x.Select(v => v / norm).ToArray();
    }

    /// <summary>Adds a post with <paramref name="count"/> chunks and their raw vectors in the caller's transaction.</summary>
    public async Task<long[]> AddChunksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int count)
    {
        var cid = Interlocked.Increment(ref _nextCid);
        await using (var post = new NpgsqlCommand("""
            INSERT INTO posts (cid, type, title, created_at, modified_at, content_hash)
            VALUES (@cid, 'post', 'synthetic', now(), now(), '\x00')
            """, connection, transaction))
        {
            post.Parameters.AddWithValue("cid", cid);
            await post.ExecuteNonQueryAsync();
        }
        var ids = new List<long>();
        await using (var chunks = new NpgsqlCommand("""
            INSERT INTO chunks (cid, ordinal, text, char_start, char_end, token_count, text_hash)
            SELECT @cid, g, 'chunk ' || g, 0, 1, 1, sha256(convert_to('chunk ' || g, 'UTF8'))
            FROM generate_series(0, @count - 1) g
            RETURNING id
            """, connection, transaction))
        {
            chunks.Parameters.AddWithValue("cid", cid);
            chunks.Parameters.AddWithValue("count", count);
            await using var reader = await chunks.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt64(0));
            }
        }
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY chunk_embeddings (chunk_id, model_id, text_hash, embedding) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var id in ids)
            {
                var vector = NextVector();
                lock (Raw)
                {
                    Raw[id] = vector;
                }
                await writer.StartRowAsync();
                await writer.WriteAsync(id, NpgsqlDbType.Bigint);
                await writer.WriteAsync(ModelId, NpgsqlDbType.Integer);
                await writer.WriteAsync(SHA256.HashData(BitConverter.GetBytes(id)), NpgsqlDbType.Bytea);
                await writer.WriteAsync(new Vector(vector), "vector");
            }
            await writer.CompleteAsync();
        }
        return ids.ToArray();
    }

    /// <summary>Gives a chunk a new text (hash) and raw vector, as a re-embed would.</summary>
    public async Task<float[]> ReEmbedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long chunkId)
    {
        var vector = NextVector();
        await using var command = new NpgsqlCommand(
            "UPDATE chunk_embeddings SET embedding = @e, text_hash = @h WHERE chunk_id = @id AND model_id = @m", connection, transaction);
        command.Parameters.AddWithValue("e", new Vector(vector));
        command.Parameters.AddWithValue("h", RandomNumberGenerator.GetBytes(32));
        command.Parameters.AddWithValue("id", chunkId);
        command.Parameters.AddWithValue("m", ModelId);
        await command.ExecuteNonQueryAsync();
        lock (Raw)
        {
            Raw[chunkId] = vector;
        }
        return vector;
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<bool> TableExistsAsync(string table) =>
        await ScalarAsync<bool>("SELECT to_regclass(@t) IS NOT NULL", ("t", table));

    public async Task<int?> ActiveVersionAsync()
    {
        var value = await ScalarAsync<object>("SELECT whitening_version FROM active_index");
        return value is DBNull ? null : (int)value;
    }

    public async Task<float[]> StoredVectorAsync(string table, long chunkId)
    {
        await using var command = DataSource.CreateCommand($"SELECT embedding FROM {WhiteningStore.QuoteTable(table)} WHERE chunk_id = @id");
        command.Parameters.AddWithValue("id", chunkId);
        return ReducedVectors.FromStored((HalfVector)(await command.ExecuteScalarAsync())!);
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
