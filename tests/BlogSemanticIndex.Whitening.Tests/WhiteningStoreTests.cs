using Npgsql;
using Pgvector;
using Xunit.Abstractions;

namespace BlogSemanticIndex.Whitening.Tests;

/// <summary>Against the real PostgreSQL + pgvector (BSI_TEST_PG), each test in a schema of its own.</summary>
public sealed class WhiteningStoreTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_fit_builds_a_complete_hnsw_indexed_table_and_makes_it_live()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 32, chunks: 600);
        var store = index.CreateStore();

        var result = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 16));

        Assert.True(result.Activated);
        Assert.Equal(600, result.Rows);
        Assert.Equal(result.Version, await index.ActiveVersionAsync());
        Assert.Equal("chunk_vectors_w" + result.Version, result.ReducedTable);
        Assert.Equal(600L, await index.ScalarAsync<long>($"SELECT count(*) FROM {WhiteningStore.QuoteTable(result.ReducedTable)}"));
        Assert.Equal("halfvec(16)", await index.ScalarAsync<string>("""
            SELECT format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = to_regclass(@t) AND attname = 'embedding'
            """, ("t", result.ReducedTable)));
        var indexDefinition = await index.ScalarAsync<string>(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = @t AND indexdef LIKE '%hnsw%'",
            ("t", result.ReducedTable));
        Assert.Contains("USING hnsw (embedding halfvec_cosine_ops)", indexDefinition);
        Assert.True(await index.ScalarAsync<bool>(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relid = to_regclass(@t)", ("t", result.ReducedTable)));

        var version = Assert.Single(await store.ListAsync());
        Assert.Equal((WhiteningState.Ready, true, true, 600), (version.State, version.IsActive, version.TableExists, version.VectorCount));

        // The stored vector is the model's transform of the raw vector rounded to 16-bit floats (halfvec), the model
        // survives the round trip, and each row carries its chunk's post.
        var reloaded = await new WhiteningStore(index.DataSource).LoadAsync(result.Version);
        var (chunkId, raw) = index.Raw.First();
        var stored = await index.StoredVectorAsync(result.ReducedTable, chunkId);
        Assert.Equal(RoundedToHalf(reloaded.Transform(raw)), stored);
        Assert.Equal(0L, await index.ScalarAsync<long>($"""
            SELECT count(*) FROM {WhiteningStore.QuoteTable(result.ReducedTable)} v JOIN chunks c ON c.id = v.chunk_id WHERE v.cid <> c.cid
            """));
    }

    [Fact]
    public async Task A_refit_switches_the_pointer_retires_and_drops_the_old_version_and_activate_brings_it_back()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 32, chunks: 400);
        var store = index.CreateStore();
        var first = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 16));

        var second = await store.FitAsync(index.ModelId, new WhiteningParameters(1, 0.5, 24));

        Assert.Equal(first.Version, second.RetiredVersion);
        Assert.Equal(second.Version, await index.ActiveVersionAsync());
        Assert.False(await index.TableExistsAsync(first.ReducedTable));
        var versions = (await store.ListAsync()).ToDictionary(v => v.Version);
        Assert.Equal((WhiteningState.Retired, false, false), (versions[first.Version].State, versions[first.Version].IsActive, versions[first.Version].TableExists));
        Assert.NotNull(versions[first.Version].RetiredAt);
        Assert.Equal((WhiteningState.Ready, true), (versions[second.Version].State, versions[second.Version].IsActive));

        var back = await store.ActivateAsync(first.Version);

        Assert.True(back.Rebuilt);
        Assert.Equal(400, back.Rows);
        Assert.Equal(second.Version, back.RetiredVersion);
        Assert.Equal(first.Version, await index.ActiveVersionAsync());
        Assert.Equal(400L, await index.ScalarAsync<long>($"SELECT count(*) FROM {WhiteningStore.QuoteTable(first.ReducedTable)}"));
        Assert.False(await index.TableExistsAsync(second.ReducedTable));

        var again = await store.ActivateAsync(first.Version);
        Assert.Null(again.RetiredVersion);
        Assert.False(again.Rebuilt);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ActivateAsync(9999));
    }

    [Fact]
    public async Task The_switch_catches_up_with_chunks_indexed_after_the_table_was_built()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 24, chunks: 300);
        var store = index.CreateStore();
        var live = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 12));
        var next = await store.FitAsync(index.ModelId, new WhiteningParameters(1, 1, 16), activate: false);
        Assert.Equal(live.Version, await index.ActiveVersionAsync());
        Assert.Equal(WhiteningState.Ready, (await store.ListAsync()).Single(v => v.Version == next.Version).State);

        // The indexer, between the build and the switch: new chunks, a re-embedded chunk, a deleted post's chunks.
        long[] added;
        long changed = index.Raw.Keys.Min();
        await using (var connection = await index.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            added = await index.AddChunksAsync(connection, transaction, 20);
            await index.ReEmbedAsync(connection, transaction, changed);
            Assert.Equal(21, await store.TransformAndUpsertAsync(connection, transaction, index.ModelId, [.. added, changed]));
            await transaction.CommitAsync();
        }
        var deleted = index.Raw.Keys.Max() - 20; // a chunk of the first post
        await index.ScalarAsync<object>("DELETE FROM chunks WHERE id = @id RETURNING id", ("id", deleted));
        Assert.Equal(319L, await index.ScalarAsync<long>($"SELECT count(*) FROM {WhiteningStore.QuoteTable(live.ReducedTable)}"));

        await store.ActivateAsync(next.Version);

        Assert.Equal(next.Version, await index.ActiveVersionAsync());
        Assert.Equal(319L, await index.ScalarAsync<long>($"SELECT count(*) FROM {WhiteningStore.QuoteTable(next.ReducedTable)}"));
        var model = await store.LoadAsync(next.Version);
        foreach (var id in added.Append(changed))
        {
            var stored = await index.StoredVectorAsync(next.ReducedTable, id);
            Assert.Equal(RoundedToHalf(model.Transform(index.Raw[id])), stored);
        }
        // Rows written by the indexer's upsert and by the switch's catch-up carry their chunk's post too.
        Assert.Equal(0L, await index.ScalarAsync<long>($"""
            SELECT count(*) FROM {WhiteningStore.QuoteTable(next.ReducedTable)} v JOIN chunks c ON c.id = v.chunk_id WHERE v.cid <> c.cid
            """));
        Assert.False(await index.TableExistsAsync(live.ReducedTable));
    }

    [Fact]
    public async Task Migration_13_converts_a_table_of_the_old_layout_to_halfvec_with_post_ids_and_keeps_its_hnsw_settings()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 32, chunks: 300);
        var fit = await index.CreateStore(new WhiteningOptions { HnswM = 8, HnswEfConstruction = 40 }).FitAsync(index.ModelId, new WhiteningParameters(0, 0, 16));
        var table = WhiteningStore.QuoteTable(fit.ReducedTable);
        var before = new Dictionary<long, float[]>();
        foreach (var id in index.Raw.Keys)
        {
            before[id] = await index.StoredVectorAsync(fit.ReducedTable, id);
        }
        // The layout V002–V012 created: vector(k), no cid, a vector_cosine_ops index.
        await index.ScalarAsync<object>($"""
            DROP INDEX {fit.ReducedTable}_embedding_hnsw;
            ALTER TABLE {table} DROP COLUMN cid, ALTER COLUMN embedding TYPE vector(16) USING embedding::vector(16);
            CREATE INDEX {fit.ReducedTable}_embedding_hnsw ON {table} USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 40);
            DELETE FROM schema_migrations WHERE version = 13;
            SELECT 1
            """);

        await index.Database.CreateMigrationRunner().MigrateAsync();

        Assert.Equal(0L, await index.ScalarAsync<long>($"SELECT count(*) FROM {table} v JOIN chunks c ON c.id = v.chunk_id WHERE v.cid <> c.cid"));
        Assert.Equal(300L, await index.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        Assert.Equal("halfvec", await index.ScalarAsync<string>("SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = to_regclass(@t) AND attname = 'embedding'",
            ("t", fit.ReducedTable)));
        var definition = await index.ScalarAsync<string>("SELECT pg_get_indexdef(to_regclass(@i))", ("i", fit.ReducedTable + "_embedding_hnsw"));
        Assert.EndsWith("USING hnsw (embedding halfvec_cosine_ops) WITH (m='8', ef_construction='40')", definition, StringComparison.Ordinal);
        foreach (var (id, vector) in before)
        {
            Assert.Equal(vector, await index.StoredVectorAsync(fit.ReducedTable, id));
        }
    }

    [Fact]
    public async Task Searches_during_refits_see_one_complete_version_each_and_never_fail()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 32, chunks: 1500);
        var store = index.CreateStore();
        var first = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 16));
        var queries = Enumerable.Range(0, 50).Select(_ => index.NextVector()).ToArray();

        using var stop = new CancellationTokenSource();
        var observations = new List<(int Version, int Results)>();
        var failures = new List<string>();
        var runs = 0;
        var searcher = Task.Run(async () =>
        {
            // Each search: read the pointer, transform the query with that version, query that version's table.
            var searchStore = new WhiteningStore(index.DataSource);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var raw = queries[i % queries.Length];
                try
                {
                    var (version, hits) = await searchStore.RunOnActiveAsync(async (active, ct) =>
                    {
                        Interlocked.Increment(ref runs);
                        var query = active!.Model.Transform(raw);
                        await using var command = index.DataSource.CreateCommand(
                            $"SELECT chunk_id, embedding <=> @q FROM {active.QuotedTable} ORDER BY embedding <=> @q LIMIT 10");
                        command.Parameters.AddWithValue("q", ReducedVectors.ToStored(query));
                        var rows = new List<(long ChunkId, double Distance)>();
                        await using var reader = await command.ExecuteReaderAsync(ct);
                        while (await reader.ReadAsync(ct))
                        {
                            rows.Add((reader.GetInt64(0), reader.GetDouble(1)));
                        }
                        return (active, rows);
                    });
                    // The distances the table gave are those of this version's transform of the chunk's raw vector
                    // (both sides rounded to halfvec's 16 bits): the query and the table came from the same, complete version.
                    foreach (var (chunkId, distance) in hits)
                    {
                        var reduced = RoundedToHalf(version.Model.Transform(index.Raw[chunkId]));
                        var query = RoundedToHalf(version.Model.Transform(raw));
                        var expected = 1 - reduced.Zip(query, (a, b) => (double)a * b).Sum()
                            / Math.Sqrt(reduced.Sum(a => (double)a * a) * query.Sum(b => (double)b * b));
                        if (Math.Abs(expected - distance) > 1e-4)
                        {
                            failures.Add($"version {version.Version}: chunk {chunkId} at {distance}, expected {expected}");
                        }
                    }
                    lock (observations)
                    {
                        observations.Add((version.Version, hits.Count));
                    }
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    failures.Add(e.Message);
                }
            }
        });

        // Each step waits until searches have run on the version just made live, so every version is observed
        // whatever the machine's speed (no sleeps whose length decides what the test sees).
        async Task SearchesSawAsync(int version)
        {
            int seenBefore;
            lock (observations)
            {
                seenBefore = observations.Count;
            }
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                lock (observations)
                {
                    if (observations.Skip(seenBefore).Count(o => o.Version == version) >= 5)
                    {
                        return;
                    }
                }
                Assert.True(DateTime.UtcNow < deadline, $"no searches ran on version {version} within 60 s");
                await Task.Delay(10);
            }
        }

        var refits = new List<WhiteningBuildResult>();
        await SearchesSawAsync(first.Version);
        refits.Add(await store.FitAsync(index.ModelId, new WhiteningParameters(1, 0.5, 24)));
        await SearchesSawAsync(refits[0].Version);
        refits.Add(await store.FitAsync(index.ModelId, new WhiteningParameters(1, 1, 16))); // same k as the first
        await SearchesSawAsync(refits[1].Version);
        refits.Add(await store.ActivateAsync(first.Version));                             // rebuild beside, switch back
        await SearchesSawAsync(first.Version);
        stop.Cancel();
        await searcher;

        output.WriteLine($"{observations.Count} searches ({runs - observations.Count} retried after a drop); per version: " +
            string.Join(", ", observations.GroupBy(o => o.Version).Select(g => $"v{g.Key}: {g.Count()}")) + "; refits: " +
            string.Join("; ", refits.Select(r => $"v{r.Version} copy {r.CopyTime.TotalSeconds:F2} s, index {r.IndexTime.TotalSeconds:F2} s, switch {r.SwitchTime.TotalMilliseconds:F0} ms")));
        Assert.Empty(failures);
        Assert.All(observations, o => Assert.Equal(10, o.Results));
        // The pointer only moves forward in time: once a search saw a version, no later search saw an older switch.
        var order = new[] { first.Version, refits[0].Version, refits[1].Version, first.Version };
        var position = 0;
        foreach (var (version, _) in observations)
        {
            while (position < order.Length && order[position] != version)
            {
                position++;
            }
            Assert.True(position < order.Length, $"version {version} seen out of order");
        }
        Assert.Contains(observations, o => o.Version == refits[1].Version);
        Assert.Equal(first.Version, observations[^1].Version);
    }

    [Fact]
    public async Task A_search_that_named_a_table_dropped_by_a_switch_runs_again_on_the_new_version()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 16, chunks: 200);
        var store = index.CreateStore();
        var old = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 8));
        var seen = new List<int>();
        WhiteningBuildResult? refit = null;

        var count = await store.RunOnActiveAsync(async (active, ct) =>
        {
            seen.Add(active!.Version);
            if (refit is null)
            {
                // The worst moment: the pointer was read, then a refit switches and drops that table.
                refit = await store.FitAsync(index.ModelId, new WhiteningParameters(1, 0.5, 12), cancellationToken: ct);
            }
            await using var command = index.DataSource.CreateCommand($"SELECT count(*) FROM {active.QuotedTable}");
            return (long)(await command.ExecuteScalarAsync(ct))!;
        });

        Assert.Equal([old.Version, refit!.Version], seen);
        Assert.Equal(200L, count);
    }

    [Fact]
    public async Task Chunks_indexed_while_a_refit_builds_reach_the_new_version()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 32, chunks: 1000);
        var store = index.CreateStore();
        await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 16));

        using var stop = new CancellationTokenSource();
        var indexed = 0;
        var indexer = Task.Run(async () =>
        {
            var indexerStore = new WhiteningStore(index.DataSource);
            while (!stop.IsCancellationRequested)
            {
                await using var connection = await index.DataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                var ids = await index.AddChunksAsync(connection, transaction, 5);
                await indexerStore.TransformAndUpsertAsync(connection, transaction, index.ModelId, ids);
                await transaction.CommitAsync();
                Interlocked.Add(ref indexed, ids.Length);
            }
        });

        // Batches commit before, during and after the refit's build; waits on counts, not on time.
        await IndexedMoreThanAsync(0);
        var refit = await store.FitAsync(index.ModelId, new WhiteningParameters(1, 0.5, 24));
        await IndexedMoreThanAsync(Volatile.Read(ref indexed));
        stop.Cancel();
        await indexer;

        async Task IndexedMoreThanAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Volatile.Read(ref indexed) <= count)
            {
                Assert.True(DateTime.UtcNow < deadline, "the indexer committed nothing within 60 s");
                await Task.Delay(10);
            }
        }

        Assert.Equal(refit.Version, await index.ActiveVersionAsync());
        Assert.Equal(1000L + indexed, await index.ScalarAsync<long>($"SELECT count(*) FROM {WhiteningStore.QuoteTable(refit.ReducedTable)}"));
        Assert.Equal(0L, await index.ScalarAsync<long>($"""
            SELECT count(*) FROM chunk_embeddings e
            WHERE NOT EXISTS (SELECT 1 FROM {WhiteningStore.QuoteTable(refit.ReducedTable)} w WHERE w.chunk_id = e.chunk_id)
            """));
    }

    [Fact]
    public async Task Two_concurrent_fits_leave_exactly_one_complete_live_version()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 32, chunks: 800);
        var a = index.CreateStore();
        var b = index.CreateStore();

        var results = await Task.WhenAll(
            a.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 16)),
            b.FitAsync(index.ModelId, new WhiteningParameters(1, 0.5, 16)));

        var active = await index.ActiveVersionAsync();
        var winner = Assert.Single(results, r => r.Version == active);
        var loser = Assert.Single(results, r => r.Version != active);
        Assert.Equal(800L, await index.ScalarAsync<long>($"SELECT count(*) FROM {WhiteningStore.QuoteTable(winner.ReducedTable)}"));
        var versions = (await a.ListAsync()).ToDictionary(v => v.Version);
        Assert.Equal(WhiteningState.Ready, versions[winner.Version].State);
        Assert.Equal(WhiteningState.Retired, versions[loser.Version].State);
        Assert.False(await index.TableExistsAsync(loser.ReducedTable));
    }

    [Fact]
    public async Task A_build_left_behind_by_a_dead_process_is_cleaned_up_and_can_be_activated()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 16, chunks: 200);
        var store = index.CreateStore();
        var live = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 8));
        var orphan = await store.FitAsync(index.ModelId, new WhiteningParameters(1, 1, 8), activate: false);
        // What a crash mid-build leaves: the row still 'building', a partial table, no lock holder.
        await index.ScalarAsync<object>($"""
            UPDATE whitening_models SET state = 'building' WHERE version = {orphan.Version};
            DELETE FROM {WhiteningStore.QuoteTable(orphan.ReducedTable)} WHERE chunk_id % 2 = 0;
            SELECT 1
            """);

        Assert.Equal(1, await store.DropAbandonedBuildsAsync());

        Assert.False(await index.TableExistsAsync(orphan.ReducedTable));
        Assert.Equal(WhiteningState.Retired, (await store.ListAsync()).Single(v => v.Version == orphan.Version).State);
        Assert.Equal(live.Version, await index.ActiveVersionAsync());

        var activated = await store.ActivateAsync(orphan.Version);
        Assert.True(activated.Rebuilt);
        Assert.Equal(200L, await index.ScalarAsync<long>($"SELECT count(*) FROM {WhiteningStore.QuoteTable(orphan.ReducedTable)}"));
    }

    [Fact]
    public async Task A_failed_build_leaves_no_version_behind_and_the_live_one_serving()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 16, chunks: 100);
        var store = index.CreateStore();
        var live = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 8));
        // Make the next version's CREATE TABLE fail.
        var next = await index.ScalarAsync<long>("SELECT last_value + 1 FROM whitening_models_version_seq");
        await index.ScalarAsync<object>($"CREATE TABLE chunk_vectors_w{next} (x int); SELECT 1");

        await Assert.ThrowsAsync<PostgresException>(() => store.FitAsync(index.ModelId, new WhiteningParameters(1, 1, 8)));

        var only = Assert.Single(await store.ListAsync());
        Assert.Equal((live.Version, true, WhiteningState.Ready), (only.Version, only.IsActive, only.State));
        Assert.True(await index.TableExistsAsync(live.ReducedTable));
    }

    [Fact]
    public async Task A_build_in_progress_is_not_mistaken_for_an_abandoned_one()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 16, chunks: 100);
        var store = index.CreateStore();
        var version = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 8), activate: false);
        await index.ScalarAsync<object>($"UPDATE whitening_models SET state = 'building' WHERE version = {version.Version} RETURNING version");

        // Another session holds the version's build lock, as a live builder does.
        await using var builder = await index.DataSource.OpenConnectionAsync();
        await using (var lockCommand = new NpgsqlCommand(
            $"SELECT pg_advisory_lock(hashtext(current_schema() || ':bsi_whitening_build'), {version.Version})", builder))
        {
            await lockCommand.ExecuteNonQueryAsync();
        }

        Assert.Equal(0, await store.DropAbandonedBuildsAsync());
        Assert.True(await index.TableExistsAsync(version.ReducedTable));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ActivateAsync(version.Version));
        Assert.Contains("being built", error.Message);
    }

    [Fact]
    public async Task Whitening_more_dims_than_vectors_with_gamma_is_refused_naming_the_setting()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 32, chunks: 20);
        var store = index.CreateStore();

        var error = await Assert.ThrowsAsync<WhiteningFitException>(() => store.FitAsync(index.ModelId, new WhiteningParameters(1, 1, 24)));

        Assert.Contains("Whitening:Dims", error.Message);
        Assert.Empty(await store.ListAsync());
        // A rotation (γ = 0) has no such problem.
        var rotation = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 24));
        Assert.Equal(20, rotation.Rows);
    }

    [Fact]
    public async Task The_indexer_writes_nothing_while_no_version_is_live()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 16, chunks: 0);
        var store = index.CreateStore();
        await using var connection = await index.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var ids = await index.AddChunksAsync(connection, transaction, 3);

        Assert.Equal(0, await store.TransformAndUpsertAsync(connection, transaction, index.ModelId, ids));
        Assert.Null(await store.GetActiveAsync());
    }

    [Fact]
    public async Task Versions_of_a_replaced_encoder_are_retired_and_dropped()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 16, chunks: 100);
        var store = index.CreateStore();
        var old = await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 8));
        // What IndexWriter.ActivateModelAsync does on an encoder change.
        await index.ScalarAsync<object>("""
            INSERT INTO encoder_models (name, revision, dimensions) VALUES ('other', 'r1', 16);
            UPDATE active_index SET model_id = (SELECT id FROM encoder_models WHERE name = 'other'), whitening_version = NULL;
            SELECT 1
            """);

        Assert.Equal(1, await store.DropRetiredTablesAsync());

        Assert.False(await index.TableExistsAsync(old.ReducedTable));
        Assert.Equal(WhiteningState.Retired, Assert.Single(await store.ListAsync()).State);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ActivateAsync(old.Version));
        Assert.Contains("active encoder model", error.Message);
    }

    [Fact]
    public async Task A_refit_is_due_once_the_corpus_grew_by_the_configured_fraction()
    {
        await using var index = await IndexFixture.CreateAsync(dimensions: 16, chunks: 100);
        var store = index.CreateStore(new WhiteningOptions { RefitGrowthFraction = 0.25, MinVectors = 50 });
        Assert.True((await store.CheckRefitAsync(index.ModelId)).Due); // nothing fitted yet
        await store.FitAsync(index.ModelId, new WhiteningParameters(0, 0, 8));
        Assert.False((await store.CheckRefitAsync(index.ModelId)).Due);

        await using (var connection = await index.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await index.AddChunksAsync(connection, transaction, 25);
            await transaction.CommitAsync();
        }

        var check = await store.CheckRefitAsync(index.ModelId);
        Assert.True(check.Due, check.Reason);
        Assert.Equal((125L, 100), (check.CurrentVectors, check.FittedVectors));
    }

    /// <summary>What a halfvec column holds for <paramref name="vector"/>: each component rounded to a 16-bit float.</summary>
    private static float[] RoundedToHalf(float[] vector) => Array.ConvertAll(vector, x => (float)(Half)x);
}
