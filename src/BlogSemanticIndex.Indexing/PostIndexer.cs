using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Sources;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Text;
using BlogSemanticIndex.Tokenization;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Data.Common;
using Npgsql;

namespace BlogSemanticIndex.Indexing;

/// <summary>
/// Keeps the index equal to what the blog has published. One poll (<see cref="RunOnceAsync"/>):
/// <list type="number">
/// <item>make sure the configured encoder is the active one (a change activates it, which drops the old vectors, and
/// every post is embedded again: vector spaces are never mixed);</item>
/// <item>follow the blog's change feed from the committed watermark, one page (<see cref="IndexerOptions.PageSize"/>
/// posts) per transaction, the watermark advancing in the same commit;</item>
/// <item>reconcile: compare every visible post's <c>modified</c> with the index, remove what is no longer visible
/// (deletions leave no row in the feed) and re-read what is missing, stale, or has no vector from the active encoder.</item>
/// </list>
/// Each batch is cleaned, chunked and hashed; stored vectors are looked up by chunk text hash and only texts without
/// one are embedded, so an unchanged post costs no encoder time. A post that cannot be indexed is recorded as skipped
/// with its reason and the rest of its batch goes on. Database failures that a retry can cure are retried with backoff
/// (<see cref="DatabaseRetry"/>); a cancelled run loses nothing, because each batch commits whole or not at all and
/// writing a batch again is an idempotent replace.
/// </summary>
/// <remarks>Runs of one instance are serialised; across service instances the Quartz job is non-concurrent.</remarks>
public sealed class PostIndexer : IDisposable
{
    private readonly ITypechoSource _source;
    private readonly IndexWriter _writer;
    private readonly NpgsqlDataSource _indexDataSource;
    private readonly IChunkEncoder _encoder;
    private readonly PostTextExtractor _extractor;
    private readonly Chunker _chunker;
    private readonly string _chunkingSignature;
    private readonly IReadOnlyList<IChunkDerivedIndex> _derivedIndexes;
    private readonly IndexerOptions _options;
    private readonly ILogger _logger;
    private readonly DatabaseRetry _retry;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <param name="source">The blog; not owned.</param>
    /// <param name="indexDataSource">The index database (the one <paramref name="writer"/> writes to).</param>
    /// <param name="whitening">When given, new chunks' reduced vectors are written for the active whitening version in the batch's transaction.</param>
    public PostIndexer(
        ITypechoSource source,
        IndexWriter writer,
        NpgsqlDataSource indexDataSource,
        IChunkEncoder encoder,
        PostTextExtractor extractor,
        Chunker chunker,
        IndexerOptions options,
        IReadOnlyList<IChunkDerivedIndex>? derivedIndexes = null,
        ChunkerOptions? chunkerOptions = null,
        ILogger<PostIndexer>? logger = null,
        TimeProvider? timeProvider = null)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _indexDataSource = indexDataSource ?? throw new ArgumentNullException(nameof(indexDataSource));
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        _extractor = extractor ?? throw new ArgumentNullException(nameof(extractor));
        _chunker = chunker ?? throw new ArgumentNullException(nameof(chunker));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).EnsureValid();
        _derivedIndexes = derivedIndexes ?? [];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _retry = new DatabaseRetry(_options, _logger, timeProvider);
        var chunking = chunkerOptions ?? new ChunkerOptions();
        // Part of every post's content hash: new chunk settings make every post look changed, so all are re-chunked.
        _chunkingSignature = $"chunk:{chunking.MaxTokens}/{chunking.OverlapTokens}";
        SourceName = string.IsNullOrEmpty(_options.SourceName) ? source.Name : _options.SourceName;
    }

    /// <summary>The name the watermark and poll outcomes are recorded under.</summary>
    public string SourceName { get; }

    /// <summary>
    /// One poll: model check, change feed, reconciliation. Completes when the index matches what the blog showed while
    /// it ran; throws when a database stays unreachable after the retries (the outcome is recorded for <c>bsi status</c>).
    /// </summary>
    public async Task<IndexRunResult> RunOnceAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        var run = new RunState(progress, _retry.Retries, dryRun: false);
        try
        {
            run.Report(IndexPhase.Starting);
            var model = await EnsureModelAsync(run, cancellationToken);
            await FollowChangeFeedAsync(run, model, cancellationToken);
            await ReconcileAsync(run, model, cancellationToken);
            await RecordPollAsync(null);
            var result = run.Finish(_retry.Retries);
            run.Report(IndexPhase.Completed);
            _logger.PollDone(SourceName, result.Elapsed, result.PostsWritten, result.PostsUnchanged, result.PostsRemoved, result.PostsSkipped,
                result.ChunksEmbedded, result.ChunksReused, result.Retries);
            return result;
        }
        catch (Exception e)
        {
            run.Report(IndexPhase.Failed);
            if (e is not OperationCanceledException)
            {
                _logger.PollFailed(e, SourceName, run.Elapsed);
                await RecordPollAsync($"{e.GetType().Name}: {e.Message}");
            }
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Rebuilds the given posts (or every visible post): read, clean, chunk and embed again, replacing what the index
    /// holds. A named post that is not visible is removed. With <see cref="ReindexRequest.DryRun"/> nothing is written
    /// or embedded; the result says how many posts and chunks there are and how many chunks would be embedded.
    /// </summary>
    public async Task<IndexRunResult> ReindexAsync(ReindexRequest request, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.EnsureValid();
        await _gate.WaitAsync(cancellationToken);
        var run = new RunState(progress, _retry.Retries, request.DryRun);
        try
        {
            run.Report(IndexPhase.Starting);
            var model = request.DryRun ? await ReadModelForDryRunAsync(cancellationToken) : await EnsureModelAsync(run, cancellationToken);
            IReadOnlyList<long> cids = request.All
                ? [.. (await _retry.ExecuteAsync("read visible posts", _source.ReadVisibleStampsAsync, cancellationToken)).Select(s => s.Cid)]
                : request.Cids;
            run.Phase = IndexPhase.Reindex;
            run.PostsTotal = cids.Count;
            _logger.Reindexing(cids.Count, SourceName, request.DryRun ? " (dry run)" : "");
            await ReadAndIndexAsync(run, model, cids, reuseEmbeddings: request.ReuseEmbeddings, cancellationToken);
            var result = run.Finish(_retry.Retries);
            run.Report(IndexPhase.Completed);
            _logger.ReindexDone(SourceName, result.Elapsed, request.DryRun ? " (dry run: chunks counted, nothing written)" : "", result.PostsWritten,
                result.ChunksWritten, result.ChunksEmbedded, result.PostsRemoved, result.PostsSkipped);
            return result;
        }
        catch
        {
            run.Report(IndexPhase.Failed);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    // ------------------------------------------------------------------ the three passes

    /// <summary>
    /// The configured encoder as registered in the index. When another one is active, this one is activated — which
    /// drops the other's vectors — and the reconciliation pass then embeds every post again, since none has a vector
    /// from it.
    /// </summary>
    private async Task<EncoderModelRecord> EnsureModelAsync(RunState run, CancellationToken cancellationToken)
    {
        run.Phase = IndexPhase.ModelCheck;
        var model = await _retry.ExecuteAsync("register encoder",
            ct => _writer.RegisterModelAsync(_encoder.Name, _encoder.Revision, _encoder.Dimensions, ct), cancellationToken);
        var active = await _retry.ExecuteAsync("read active encoder", _writer.GetActiveModelAsync, cancellationToken);
        if (active?.Id == model.Id)
        {
            return model;
        }
        if (active is null)
        {
            _logger.ActivatingFirstEncoder(model.Name, model.Revision);
        }
        else
        {
            _logger.EncoderChanged(model.Name, model.Revision, active.Name, active.Revision);
            run.ModelChanged = true;
        }
        await _retry.ExecuteAsync("activate encoder", ct => _writer.ActivateModelAsync(model, ct), cancellationToken);
        return model;
    }

    /// <summary>
    /// A dry run writes nothing, not even the encoder's registration: the active model when it is the configured one
    /// (so stored vectors count as reusable), else a stand-in whose id matches no stored vector.
    /// </summary>
    private async Task<EncoderModelRecord> ReadModelForDryRunAsync(CancellationToken cancellationToken)
    {
        var active = await _retry.ExecuteAsync("read active encoder", _writer.GetActiveModelAsync, cancellationToken);
        return active is not null && active.Name == _encoder.Name && active.Revision == _encoder.Revision
            ? active
            : new EncoderModelRecord(0, _encoder.Name, _encoder.Revision, _encoder.Dimensions);
    }

    private async Task FollowChangeFeedAsync(RunState run, EncoderModelRecord model, CancellationToken cancellationToken)
    {
        run.Phase = IndexPhase.ChangeFeed;
        var stored = await _retry.ExecuteAsync("read watermark", ct => _writer.ReadWatermarkAsync(SourceName, ct), cancellationToken);
        var current = await _retry.ExecuteAsync("read index stamps", _writer.ReadPostStampsAsync, cancellationToken);
        var after = new SourceWatermark(stored.Time, stored.Cid);
        // The feed learns its length page by page, so a total made of the pages read so far would promise an end
        // after every batch (a first index of 592 posts showed ~1 min left with ~10 to go). The visible posts the
        // index does not hold as they are give the total from the start; the feed's own count wins once larger.
        var visible = await _retry.ExecuteAsync("read visible posts", _source.ReadVisibleStampsAsync, cancellationToken);
        var expected = visible.Count(v => !current.TryGetValue(v.Cid, out var stamp)
                                          || stamp.Modified.ToUnixTimeSeconds() != v.Modified.ToUnixTimeSeconds());
        var before = run.PostsTotal ?? 0;
        var fed = 0;
        while (true)
        {
            var from = after;
            var page = await _retry.ExecuteAsync("read change feed", ct => _source.ReadChangesAsync(from, _options.PageSize, ct), cancellationToken);
            if (page.Visible.Count == 0 && page.NotVisibleCids.Count == 0)
            {
                break;
            }
            fed += page.Visible.Count + page.NotVisibleCids.Count;
            run.PostsTotal = before + Math.Max(expected, fed);
            await IndexBatchAsync(run, model, page.Visible, page.NotVisibleCids, new IndexWatermark(page.Next.Time, page.Next.Cid),
                current, reuseEmbeddings: true, cancellationToken);
            after = page.Next;
            if (!page.HasMore)
            {
                break;
            }
        }
        if (fed > 0)
        {
            run.PostsTotal = before + fed;
        }
    }

    /// <summary>
    /// Every poll: what is indexed (or skipped) and not visible goes; what is visible and not indexed, indexed with
    /// another <c>modified</c>, or without a vector from <paramref name="model"/> is read again. Catches deletions, and
    /// anything the feed could not see.
    /// </summary>
    private async Task ReconcileAsync(RunState run, EncoderModelRecord model, CancellationToken cancellationToken)
    {
        run.Phase = IndexPhase.Reconcile;
        var visible = await _retry.ExecuteAsync("read visible posts", _source.ReadVisibleStampsAsync, cancellationToken);
        var indexed = await _retry.ExecuteAsync("read index stamps", _writer.ReadPostStampsAsync, cancellationToken);
        var skipped = await _retry.ExecuteAsync("read skipped posts", ReadSkippedAsync, cancellationToken);
        var withoutVectors = await _retry.ExecuteAsync("find posts without vectors", ct => ReadPostsWithoutVectorsAsync(model.Id, ct), cancellationToken);

        var visibleCids = visible.Select(v => v.Cid).ToHashSet();
        var gone = indexed.Keys.Concat(skipped.Keys).Where(cid => !visibleCids.Contains(cid)).Distinct().Order().ToList();
        var stale = new List<long>();
        foreach (var post in visible)
        {
            var seconds = post.Modified.ToUnixTimeSeconds();
            var needsRead = indexed.TryGetValue(post.Cid, out var stamp)
                ? stamp.Modified.ToUnixTimeSeconds() != seconds || withoutVectors.Contains(post.Cid)
                : !skipped.TryGetValue(post.Cid, out var skippedModified) || skippedModified.ToUnixTimeSeconds() != seconds;
            if (needsRead)
            {
                stale.Add(post.Cid);
            }
        }
        if (gone.Count == 0 && stale.Count == 0)
        {
            return;
        }
        _logger.Reconciling(SourceName, gone.Count, stale.Count);
        run.PostsTotal = (run.PostsTotal ?? 0) + gone.Count + stale.Count;
        foreach (var removal in gone.Chunk(Math.Max(_options.PageSize, 500)))
        {
            await IndexBatchAsync(run, model, [], removal, watermark: null, current: null, reuseEmbeddings: true, cancellationToken);
        }
        await ReadAndIndexAsync(run, model, stale, reuseEmbeddings: true, cancellationToken);
    }

    /// <summary>Reads <paramref name="cids"/> page by page and indexes them; those no longer visible are removed.</summary>
    private async Task ReadAndIndexAsync(RunState run, EncoderModelRecord model, IReadOnlyList<long> cids, bool reuseEmbeddings, CancellationToken cancellationToken)
    {
        foreach (var page in cids.Chunk(_options.PageSize))
        {
            var posts = await _retry.ExecuteAsync("read posts", ct => _source.ReadPostsAsync(page, ct), cancellationToken);
            var found = posts.Select(p => p.Cid).ToHashSet();
            var notVisible = page.Where(cid => !found.Contains(cid)).ToList();
            await IndexBatchAsync(run, model, posts, notVisible, watermark: null, current: null, reuseEmbeddings, cancellationToken);
        }
    }

    // ------------------------------------------------------------------ one batch

    /// <summary>
    /// Cleans, chunks and embeds <paramref name="posts"/>, then writes them, the removals and the skipped posts (and the
    /// watermark, when given) in one transaction. Posts whose content hash and <c>modified</c> equal
    /// <paramref name="current"/>'s are left as they are.
    /// </summary>
    private async Task IndexBatchAsync(
        RunState run,
        EncoderModelRecord model,
        IReadOnlyList<TypechoPost> posts,
        IReadOnlyCollection<long> removedCids,
        IndexWatermark? watermark,
        IReadOnlyDictionary<long, IndexedPostStamp>? current,
        bool reuseEmbeddings,
        CancellationToken cancellationToken)
    {
        var records = new List<PostRecord>(posts.Count);
        var skipped = new List<SkippedPost>();
        var unchanged = 0;
        foreach (var post in posts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (record, skip) = Prepare(post);
            if (skip is not null)
            {
                skipped.Add(skip);
            }
            else if (current is not null && current.TryGetValue(post.Cid, out var stamp)
                     && stamp.ContentHash.AsSpan().SequenceEqual(record!.ContentHash)
                     && stamp.Modified.ToUnixTimeSeconds() == record.Modified.ToUnixTimeSeconds())
            {
                unchanged++;
            }
            else
            {
                records.Add(record!);
            }
        }

        var chunks = records.SelectMany(r => r.Chunks).ToList();
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (reuseEmbeddings && chunks.Count > 0)
        {
            vectors = await _retry.ExecuteAsync("find stored vectors",
                ct => _writer.FindEmbeddingsAsync(model.Id, chunks.Select(c => c.TextHash), ct), cancellationToken);
        }
        var reused = chunks.Count(c => vectors.ContainsKey(Convert.ToHexString(c.TextHash)));
        // Distinct texts without a vector; the same text twice (a repeated paragraph) is embedded once.
        var toEmbed = chunks
            .Select(c => (Key: Convert.ToHexString(c.TextHash), c.Text))
            .Where(c => !vectors.ContainsKey(c.Key))
            .DistinctBy(c => c.Key)
            .ToList();

        if (run.DryRun)
        {
            run.AddBatch(records.Count, unchanged, chunks.Count, toEmbed.Count, reused, removed: 0, skipped.Count, posts.Count + removedCids.Count);
            run.Report();
            return;
        }

        foreach (var slice in toEmbed.Chunk(_options.EmbedBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            var embedded = _encoder.Encode([.. slice.Select(s => s.Text)], cancellationToken);
            var embeddingTime = Stopwatch.GetElapsedTime(started);
            run.EmbeddingTime += embeddingTime;
            if (embedded.Length != slice.Length)
            {
                throw new InvalidOperationException($"the encoder returned {embedded.Length} vectors for {slice.Length} texts");
            }
            IndexingMetrics.EmbeddedChunks.Add(slice.Length);
            IndexingMetrics.EmbeddingTime.Add(embeddingTime.TotalSeconds);
            for (var i = 0; i < slice.Length; i++)
            {
                vectors[slice[i].Key] = embedded[i];
            }
            run.ChunksEmbeddedInBatch += slice.Length;
            run.Report();
        }

        var removed = removedCids.Count(cid => current is null || current.ContainsKey(cid));
        if (records.Count > 0 || removedCids.Count > 0 || skipped.Count > 0 || watermark is not null)
        {
            Func<NpgsqlConnection, NpgsqlTransaction, IReadOnlyList<long>, CancellationToken, Task>? afterWrite = _derivedIndexes.Count == 0
                ? null
                : async (connection, transaction, chunkIds, ct) =>
                {
                    foreach (var index in _derivedIndexes)
                    {
                        await index.WriteChunksAsync(connection, transaction, model.Id, chunkIds, ct);
                    }
                };
            await _retry.ExecuteAsync("write batch",
                ct => _writer.WriteBatchAsync(model, records, vectors, removedCids, skipped, SourceName, watermark, afterWrite, ct),
                cancellationToken);
            run.Batches++;
        }
        run.ChunksEmbeddedInBatch = 0;
        run.AddBatch(records.Count, unchanged, chunks.Count, toEmbed.Count, reused, removed, skipped.Count, posts.Count + removedCids.Count);
        run.Report();
    }

    /// <summary>The post as stored, or why it cannot be indexed. Never throws for a bad post.</summary>
    private (PostRecord? Record, SkippedPost? Skip) Prepare(TypechoPost post)
    {
        try
        {
            if (post.DecodingProblem is not null)
            {
                _logger.InvalidTextBytes(post.Cid, post.DecodingProblem);
            }
            var document = _extractor.BuildDocument(post.Title, post.Categories, post.Tags, post.Text);
            if (document.Truncated || document.RoughText)
            {
                _logger.VeryLongPost(post.Cid, post.Text.Length,
                    document.Truncated ? "its body was cut to Text:MaxBodyChars" : "its markup was stripped without parsing");
            }
            if (string.IsNullOrWhiteSpace(document.Text.AsSpan(document.BodyStart).ToString()))
            {
                return Skip(post, "the body has no text after cleaning (empty, or markup only)");
            }
            var chunks = _chunker.Split(post.Cid, document.Text);
            if (chunks.Count == 0)
            {
                return Skip(post, "the text has no tokens for the encoder");
            }
            var record = new PostRecord(
                post.Cid,
                post.Type,
                TextSanitizer.Clean(post.Title),
                TextSanitizer.Clean(post.Slug),
                post.Created,
                post.Modified,
                ContentHash(post, document.Text),
                [.. chunks.Select(c => new ChunkRecord(c.Ordinal, c.Text, c.CharStart, c.CharEnd, c.TokenCount, Convert.FromHexString(c.TextHash),
                    ScriptCharsJson(_encoder.MeasureCoverage(c.Text))))]);
            return (record, null);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            _logger.PostFailed(e, post.Cid, e.Message);
            return (null, new SkippedPost(post.Cid, post.Modified, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    private (PostRecord?, SkippedPost?) Skip(TypechoPost post, string reason)
    {
        _logger.PostSkipped(post.Cid, reason);
        return (null, new SkippedPost(post.Cid, post.Modified, reason));
    }

    /// <summary>SHA-256 of everything a post's stored row and chunks are built from, and the chunk settings.</summary>
    private byte[] ContentHash(TypechoPost post, string documentText)
    {
        var material = string.Join('\u001F', post.Type, post.Title, post.Slug, post.Created.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            _chunkingSignature, documentText);
        return SHA256.HashData(Encoding.UTF8.GetBytes(material));
    }

    // ------------------------------------------------------------------ index queries the writer does not offer

    private async Task<IReadOnlyDictionary<long, DateTimeOffset>> ReadSkippedAsync(CancellationToken cancellationToken)
    {
        await using var command = _indexDataSource.CreateCommand("SELECT cid, modified_at FROM skipped_posts");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var skipped = new Dictionary<long, DateTimeOffset>();
        while (await reader.ReadAsync(cancellationToken))
        {
            skipped[reader.GetInt64(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }
        return skipped;
    }

    /// <summary>Posts with a chunk that has no vector from <paramref name="modelId"/>: after a model switch, every post.</summary>
    private async Task<HashSet<long>> ReadPostsWithoutVectorsAsync(int modelId, CancellationToken cancellationToken)
    {
        await using var command = _indexDataSource.CreateCommand("""
            SELECT DISTINCT c.cid FROM chunks c
            WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id AND e.model_id = @model)
            """);
        command.Parameters.AddWithValue("model", modelId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var cids = new HashSet<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            cids.Add(reader.GetInt64(0));
        }
        return cids;
    }

    /// <summary>Best effort: failing to record the outcome must not hide the poll's own result or error.</summary>
    private async Task RecordPollAsync(string? error)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _writer.RecordPollAsync(SourceName, error, timeout.Token);
        }
        catch (Exception e) when (e is DbException or NpgsqlException or OperationCanceledException or TimeoutException)
        {
            _logger.RecordPollFailed(e, SourceName);
        }
    }

    // ------------------------------------------------------------------ counters and progress

    private sealed class RunState(IProgress<IndexProgress>? progress, int retriesAtStart, bool dryRun)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public bool DryRun { get; } = dryRun;
        public IndexPhase Phase { get; set; } = IndexPhase.Starting;
        public int? PostsTotal { get; set; }
        public bool ModelChanged { get; set; }
        public TimeSpan EmbeddingTime { get; set; }
        public int Batches { get; set; }
        public int ChunksEmbeddedInBatch { get; set; }
        public TimeSpan Elapsed => _clock.Elapsed;

        private int _postsDone, _written, _unchanged, _chunks, _embedded, _reused, _removed, _skipped;

        public void AddBatch(int written, int unchanged, int chunks, int embedded, int reused, int removed, int skipped, int postsDone)
        {
            _written += written;
            _unchanged += unchanged;
            _chunks += chunks;
            _embedded += embedded;
            _reused += reused;
            _removed += removed;
            _skipped += skipped;
            _postsDone += postsDone;
        }

        public void Report(IndexPhase? phase = null)
        {
            if (phase is { } p)
            {
                Phase = p;
            }
            if (progress is null)
            {
                return;
            }
            var elapsed = _clock.Elapsed;
            var chunksWritten = _chunks;
            progress.Report(new IndexProgress(Phase, _postsDone, PostsTotal, chunksWritten, _embedded + ChunksEmbeddedInBatch, _reused, elapsed,
                elapsed.TotalSeconds > 0 ? (chunksWritten + ChunksEmbeddedInBatch) / elapsed.TotalSeconds : 0));
        }

        public IndexRunResult Finish(int retriesNow) => new(
            _written, _unchanged, _chunks, _embedded, _reused, _removed, _skipped, Batches, retriesNow - retriesAtStart, ModelChanged, DryRun,
            _clock.Elapsed, EmbeddingTime);
    }

    /// <summary><c>{"Han": [120, 0], "Latin": [30, 30]}</c>: letters per script and how many the encoder reads (chunks.script_chars).</summary>
    internal static string ScriptCharsJson(CoverageReport report) => System.Text.Json.JsonSerializer.Serialize(
        report.Scripts.ToDictionary(s => s.Script.ToString(), s => new[] { s.Characters, s.ReadCharacters }));
}

internal static partial class PostIndexerLog
{
    [LoggerMessage(LogLevel.Information,
        "Poll of {Source} done in {Elapsed}: {PostsWritten} posts written, {PostsUnchanged} unchanged, {PostsRemoved} removed, " +
        "{PostsSkipped} skipped; {ChunksEmbedded} chunks embedded, {ChunksReused} reused; {Retries} retries")]
    public static partial void PollDone(this ILogger logger, string source, TimeSpan elapsed, int postsWritten, int postsUnchanged, int postsRemoved,
        int postsSkipped, int chunksEmbedded, int chunksReused, int retries);

    [LoggerMessage(LogLevel.Error, "Poll of {Source} failed after {Elapsed}; committed batches stay, the next poll goes on from them")]
    public static partial void PollFailed(this ILogger logger, Exception exception, string source, TimeSpan elapsed);

    [LoggerMessage(LogLevel.Information, "Reindexing {PostCount} posts of {Source}{DryRun}")]
    public static partial void Reindexing(this ILogger logger, int postCount, string source, string dryRun);

    [LoggerMessage(LogLevel.Information,
        "Reindex of {Source} done in {Elapsed}{DryRun}: {PostsWritten} posts, {ChunksWritten} chunks, {ChunksEmbedded} embedded, {PostsRemoved} removed, {PostsSkipped} skipped")]
    public static partial void ReindexDone(this ILogger logger, string source, TimeSpan elapsed, string dryRun, int postsWritten, int chunksWritten,
        int chunksEmbedded, int postsRemoved, int postsSkipped);

    [LoggerMessage(LogLevel.Information, "No active encoder yet; activating {Model}@{Revision}")]
    public static partial void ActivatingFirstEncoder(this ILogger logger, string model, string revision);

    [LoggerMessage(LogLevel.Warning,
        "The configured encoder {Model}@{Revision} differs from the active {ActiveModel}@{ActiveRevision}: activating it, dropping the old " +
        "vectors and embedding every post again (vector spaces are never mixed)")]
    public static partial void EncoderChanged(this ILogger logger, string model, string revision, string activeModel, string activeRevision);

    [LoggerMessage(LogLevel.Information, "Reconciliation of {Source}: {Gone} posts no longer visible, {Stale} to read again")]
    public static partial void Reconciling(this ILogger logger, string source, int gone, int stale);

    [LoggerMessage(LogLevel.Warning, "Post {PostId} has invalid text bytes ({Problem}); indexing it with U+FFFD in their place")]
    public static partial void InvalidTextBytes(this ILogger logger, long postId, string? problem);

    [LoggerMessage(LogLevel.Information, "Post {PostId} is very long ({BodyChars} characters): {Handling}")]
    public static partial void VeryLongPost(this ILogger logger, long postId, int bodyChars, string handling);

    [LoggerMessage(LogLevel.Warning, "Post {PostId} cannot be indexed and is skipped: {Reason}")]
    public static partial void PostFailed(this ILogger logger, Exception exception, long postId, string reason);

    [LoggerMessage(LogLevel.Warning, "Post {PostId} is skipped: {Reason}")]
    public static partial void PostSkipped(this ILogger logger, long postId, string reason);

    [LoggerMessage(LogLevel.Warning, "Could not record the poll outcome of {Source}")]
    public static partial void RecordPollFailed(this ILogger logger, Exception exception, string source);
}
