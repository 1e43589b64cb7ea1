using System.Text;

using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.ModelHub.Tests;

public sealed class HubClientTests : IDisposable
{
    private const string RepoId = "acme/tiny-bert";
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private readonly string _cache = Directory.CreateTempSubdirectory("bsi-hub-").FullName;
    private readonly FakeHub _hub = new();
    private readonly FakeRepo _repo;

    public HubClientTests()
    {
        _repo = _hub.AddRepo(RepoId, Commit);
        AddTinyModel(_repo);
    }

    public void Dispose()
    {
        _hub.Dispose();
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task Pull_WritesTheHuggingFaceCacheLayout()
    {
        using var client = Client();

        var model = await client.PullAsync(RepoId);

        var repoFolder = Path.Combine(_cache, "models--acme--tiny-bert");
        var snapshot = Path.Combine(repoFolder, "snapshots", Commit);
        Assert.Equal(snapshot, model.SnapshotPath);
        Assert.Equal(Commit, model.CommitHash);
        Assert.Equal(Commit, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        Assert.Equal(
            ["1_Pooling/config.json", "config.json", "model.safetensors", "modules.json", "sentence_bert_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"],
            model.Files.Select(f => f.Path));
        foreach (var file in model.Files)
        {
            var inSnapshot = Path.Combine(snapshot, file.Path);
            Assert.Equal(_repo.Files[file.Path], File.ReadAllBytes(inSnapshot));
            Assert.Equal(_repo.ETagOf(file.Path), file.ETag);

            // A relative link to the blob, as huggingface_hub makes it.
            var target = new FileInfo(inSnapshot).LinkTarget;
            Assert.NotNull(target);
            Assert.False(Path.IsPathRooted(target));
            Assert.Equal(Path.Combine(repoFolder, "blobs", file.ETag), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(inSnapshot)!, target!)));
        }

        Assert.False(File.Exists(Path.Combine(snapshot, "pytorch_model.bin")));
        Assert.False(Directory.Exists(Path.Combine(snapshot, "onnx")));
        Assert.False(File.Exists(Path.Combine(snapshot, "tf_model.h5")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoFolder, "blobs"), "*.incomplete"));
    }

    [Fact]
    public async Task Pull_ResumesWithRange_AfterTheConnectionDropsMidFile()
    {
        _hub.DropAfterBytesOnce["model.safetensors"] = 100_000;
        using var client = Client();

        var model = await client.PullAsync(RepoId);

        Assert.Equal(_repo.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(model.SnapshotPath, "model.safetensors")));
        var weightGets = _hub.Requests.Where(r => r.Method == "GET" && r.Path.Contains("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, weightGets.Count);
        Assert.Null(weightGets[0].Range);
        Assert.Equal("bytes=100000-", weightGets[1].Range);
    }

    [Fact]
    public async Task Pull_ResumesAnIncompleteFileLeftByAnEarlierPull()
    {
        var blobs = Path.Combine(_cache, "models--acme--tiny-bert", "blobs");
        Directory.CreateDirectory(blobs);
        var weights = _repo.Files["model.safetensors"];
        File.WriteAllBytes(Path.Combine(blobs, _repo.ETagOf("model.safetensors") + ".incomplete"), weights[..50_000]);
        using var client = Client();

        var model = await client.PullAsync(RepoId);

        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(model.SnapshotPath, "model.safetensors")));
        var weightGet = Assert.Single(_hub.Requests, r => r.Method == "GET" && r.Path.Contains("/cdn/", StringComparison.Ordinal));
        Assert.Equal("bytes=50000-", weightGet.Range);
    }

    [Fact]
    public async Task Pull_HashMismatch_FailsAndPutsNothingInTheSnapshot()
    {
        _hub.Corrupt["model.safetensors"] = true;
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubIntegrityException>(() => client.PullAsync(RepoId));

        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("SHA-256", error.Message);
        var repoFolder = Path.Combine(_cache, "models--acme--tiny-bert");
        Assert.False(File.Exists(Path.Combine(repoFolder, "snapshots", Commit, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(repoFolder, "blobs", _repo.ETagOf("model.safetensors"))));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoFolder, "blobs"), "*.incomplete"));
        Assert.False(File.Exists(Path.Combine(repoFolder, "refs", "main")), "a failed pull must not make the revision resolvable");
        Assert.False(new ModelCache(_cache).TryResolveLocal(RepoId, "main", out _));
    }

    [Fact]
    public async Task SmallFileHashMismatch_IsCaughtByTheGitBlobHash()
    {
        _hub.Corrupt["config.json"] = true;
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubIntegrityException>(() => client.PullAsync(RepoId));

        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public async Task ResolveLocal_WorksFromTheCache_AfterTheServerIsGone()
    {
        using (var client = Client())
        {
            await client.PullAsync(RepoId);
        }

        _hub.Dispose();

        var snapshot = new ModelCache(_cache).ResolveLocal(RepoId, "main");
        Assert.Equal(_repo.Files["config.json"], File.ReadAllBytes(Path.Combine(snapshot, "config.json")));
        Assert.Equal(snapshot, new ModelCache(_cache).ResolveLocal(RepoId, Commit));

        using var offline = new HubClient(Options() with { Offline = true });
        var fromCache = await offline.PullAsync(RepoId);
        Assert.Equal(snapshot, fromCache.SnapshotPath);
        Assert.Contains("HF_HUB_OFFLINE", fromCache.ServedFromCacheBecause);
        Assert.Contains(fromCache.Files, f => f.Path == "1_Pooling/config.json" && f.Size == _repo.Files["1_Pooling/config.json"].Length);

        using var unreachable = Client(maxAttempts: 1);
        var fallback = await unreachable.PullAsync(RepoId);
        Assert.Equal(snapshot, fallback.SnapshotPath);
        Assert.Contains("could not be reached", fallback.ServedFromCacheBecause);
    }

    [Fact]
    public async Task ResolveLocal_NotCached_SaysHowToGetIt()
    {
        var cache = new ModelCache(_cache);

        var error = Assert.Throws<ModelNotCachedException>(() => cache.ResolveLocal("acme/absent", "v2"));

        Assert.Contains("acme/absent", error.Message);
        Assert.Contains("bsi model pull acme/absent --revision v2", error.Message);
        using var offline = new HubClient(Options() with { Offline = true });
        var offlineError = await Assert.ThrowsAsync<ModelNotCachedException>(() => offline.PullAsync("acme/absent"));
        Assert.Contains("HF_HUB_OFFLINE", offlineError.Message);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task SecondPull_DoesNotDownloadAgain()
    {
        using var client = Client();
        await client.PullAsync(RepoId);
        _hub.ClearRequests();

        var again = await client.PullAsync(RepoId);

        Assert.All(again.Files, f => Assert.False(f.Downloaded));
        Assert.DoesNotContain(_hub.Requests, r => r.Method == "GET" && !r.Path.Contains("/api/", StringComparison.Ordinal));
        Assert.Equal(1, _hub.Requests.Count(r => r.Path.Contains("/api/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task HfEndpoint_MirrorUnderASubPath_IsUsed_WithTokenAndCacheFromTheEnvironment()
    {
        using var mirror = new FakeHub("/hf-mirror");
        AddTinyModel(mirror.AddRepo(RepoId, Commit));
        var home = Path.Combine(_cache, "home");
        var environment = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = mirror.Url + "/",
            ["HF_HOME"] = home,
            ["HF_TOKEN"] = "hf_secret",
        };
        var options = HubOptions.FromEnvironment(name => environment.GetValueOrDefault(name)) with { RetryBaseDelay = TimeSpan.FromMilliseconds(5) };

        using var client = new HubClient(options);
        var model = await client.PullAsync(RepoId);

        Assert.Equal(Path.Combine(home, "hub"), options.CacheDirectory);
        Assert.StartsWith(Path.Combine(home, "hub", "models--acme--tiny-bert"), model.SnapshotPath);
        Assert.Empty(_hub.Requests);
        Assert.NotEmpty(mirror.Requests);
        Assert.All(mirror.Requests, r => Assert.StartsWith("/hf-mirror/", r.Path));
        Assert.All(mirror.Requests, r => Assert.Equal("Bearer hf_secret", r.Authorization));
    }

    [Fact]
    public async Task TransientServerErrors_AreRetried()
    {
        _hub.FailNextRequestsWith503 = 2;
        using var client = Client();

        var model = await client.PullAsync(RepoId);

        Assert.Equal(8, model.Files.Count);
        Assert.Equal(2, _hub.Requests.Count(r => r.Path.Contains("/api/", StringComparison.Ordinal)) - 1);
    }

    [Fact]
    public async Task UnknownRepository_FailsWithTheStatusAndAHint()
    {
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.PullAsync("acme/missing"));

        Assert.Contains("404", error.Message);
        Assert.Contains("HF_TOKEN", error.Message);
    }

    [Fact]
    public async Task UnsafePathInTheListing_IsRefused()
    {
        _repo.Files["../../escape.json"] = "{}"u8.ToArray();
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.PullAsync(RepoId));

        Assert.Contains("unsafe", error.Message);
        Assert.False(File.Exists(Path.Combine(_cache, "escape.json")));
    }

    [Fact]
    public async Task Pull_ReportsProgress_AndHonoursAFileFilter()
    {
        using var client = Client();
        var reports = new List<HubProgress>();

        var model = await client.PullAsync(RepoId, includeFile: f => f.EndsWith(".json", StringComparison.Ordinal),
            progress: new SynchronousProgress(reports.Add));

        Assert.DoesNotContain(model.Files, f => f.Path == "model.safetensors");
        Assert.Contains(model.Files, f => f.Path == "onnx/config.json");
        Assert.Contains(reports, r => r.File == "config.json" && r.BytesDone == r.TotalBytes);
    }

    private HubOptions Options(int maxAttempts = 4) => new()
    {
        Endpoint = _hub.Url,
        CacheDirectory = _cache,
        MaxAttempts = maxAttempts,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    private HubClient Client(int maxAttempts = 4) => new(Options(maxAttempts));

    private static void AddTinyModel(FakeRepo repo)
    {
        static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);
        repo.Files["config.json"] = Text("""{ "model_type": "bert", "hidden_size": 8, "num_hidden_layers": 1 }""");
        repo.Files["tokenizer.json"] = Text("""{ "version": "1.0" }""");
        repo.Files["tokenizer_config.json"] = Text("""{ "do_lower_case": true }""");
        repo.Files["vocab.txt"] = Text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
        repo.Files["modules.json"] = Text("""[{ "idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer" }]""");
        repo.Files["1_Pooling/config.json"] = Text("""{ "pooling_mode_mean_tokens": true }""");
        repo.Files["sentence_bert_config.json"] = Text("""{ "max_seq_length": 128 }""");
        repo.Files["README.md"] = Text("# tiny");
        repo.Files["onnx/config.json"] = Text("{}");

        var weights = new byte[300_000];
        new Random(42).NextBytes(weights);
        foreach (var lfs in new[] { "model.safetensors", "pytorch_model.bin", "onnx/model.onnx", "tf_model.h5" })
        {
            repo.Files[lfs] = [.. weights, .. Encoding.ASCII.GetBytes(lfs)];
            repo.Lfs.Add(lfs);
        }
    }

    private sealed class SynchronousProgress(Action<HubProgress> report) : IProgress<HubProgress>
    {
        public void Report(HubProgress value) => report(value);
    }
}
