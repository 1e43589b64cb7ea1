using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace BlogSemanticIndex.ModelHub;

/// <summary>
/// Pulls model repositories from the Hugging Face hub (or a mirror with the same URL layout) into the standard cache,
/// following huggingface_hub's protocol: the revision is resolved to a commit through
/// <c>/api/models/{repo}/revision/{revision}</c>, each file's ETag and size come from a HEAD of
/// <c>/{repo}/resolve/{commit}/{path}</c> (<c>X-Linked-Etag</c> / <c>X-Linked-Size</c> for LFS files, whose ETag is
/// their SHA-256), and the bytes go to <c>blobs/{etag}.incomplete</c>, resumed with HTTP Range after a dropped
/// connection, and are moved into place only once size and hash match.
/// </summary>
public sealed class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private const int BufferSize = 1 << 16;

    private readonly HubOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly ResiliencePipeline _retry;

    /// <param name="options">Endpoint, cache, token, offline mode, retry settings.</param>
    /// <param name="handler">The HTTP handler; tests pass their own. It must not follow redirects itself.</param>
    public HubClient(HubOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _endpoint = new Uri(options.Endpoint.TrimEnd('/') + "/");
        Cache = new ModelCache(options.CacheDirectory);

        // Redirects are followed by hand: the HEAD must see the LFS headers on the hub's own 302, not the CDN's reply.
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.RequestTimeout,
        }, disposeHandler: handler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("BlogSemanticIndex", "1.0"));

        var retry = new ResiliencePipelineBuilder();
        if (options.MaxAttempts > 1)
        {
            retry.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>()
                    .Handle<IOException>()
                    .Handle<TimeoutException>()
                    .Handle<TransientHubException>(),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
            });
        }

        _retry = retry.Build();
    }

    public ModelCache Cache { get; }

    /// <summary>A client configured from HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN and HF_HUB_OFFLINE.</summary>
    public static HubClient FromEnvironment() => new(HubOptions.FromEnvironment());

    /// <summary>
    /// Downloads what <paramref name="includeFile"/> selects of <paramref name="repoId"/> at <paramref name="revision"/>
    /// into the cache, skipping blobs it already has, and returns the snapshot folder. Offline
    /// (<see cref="HubOptions.Offline"/>) it resolves from the cache instead, or fails with
    /// <see cref="ModelNotCachedException"/>.
    /// </summary>
    /// <param name="includeFile">
    /// Picks repository paths (e.g. <c>1_Pooling/config.json</c>); <see langword="null"/> takes
    /// <see cref="HubFileFilter.SelectDefault"/>: configs, tokenizer files, and safetensors (else pytorch_model.bin).
    /// </param>
    public async Task<PulledModel> PullAsync(
        string repoId,
        string revision = "main",
        Func<string, bool>? includeFile = null,
        IProgress<HubProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ModelCache.ValidateRepoId(repoId);
        ModelCache.ValidateRevision(revision);
        if (_options.Offline)
        {
            return FromCache(repoId, revision, "HF_HUB_OFFLINE is set");
        }

        string commit;
        IReadOnlyList<string> siblings;
        try
        {
            (commit, siblings) = await ResolveRevisionAsync(repoId, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or TransientHubException)
        {
            // Like huggingface_hub: an unreachable hub falls back to what the cache has, and says so.
            return FromCache(repoId, revision, $"The hub at {_options.Endpoint} could not be reached ({e.Message})");
        }

        var selected = includeFile is null ? HubFileFilter.SelectDefault(siblings) : siblings.Where(includeFile).ToList();
        if (selected.Count == 0)
        {
            throw new HubException($"Model '{repoId}' at revision '{revision}' has no files to pull (of {siblings.Count} listed).");
        }

        var files = new List<PulledFile>(selected.Count);
        foreach (var path in selected)
        {
            files.Add(await PullFileAsync(repoId, commit, path, progress, cancellationToken).ConfigureAwait(false));
        }

        // Written last, so that a name resolves only to a snapshot that has all its files.
        Cache.WriteRef(repoId, revision, commit);
        return new PulledModel(repoId, revision, commit, Cache.SnapshotFolder(repoId, commit), files);
    }

    private PulledModel FromCache(string repoId, string revision, string reason)
    {
        if (!Cache.TryResolveLocal(repoId, revision, out var snapshot))
        {
            throw new ModelNotCachedException(
                $"{reason}, and model '{repoId}' at revision '{revision}' is not in the Hugging Face cache at '{Cache.CacheDirectory}'. " +
                "Pull it once with network access (unset HF_HUB_OFFLINE; HF_ENDPOINT may name a mirror), or point HF_HUB_CACHE or HF_HOME at a cache that has it.");
        }

        var files = Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories)
            .Select(full =>
            {
                var info = new FileInfo(full);
                var etag = info.LinkTarget is { } target ? Path.GetFileName(target) : "";
                var size = info.LinkTarget is null ? info.Length : new FileInfo(info.ResolveLinkTarget(true)!.FullName).Length;
                return new PulledFile(Path.GetRelativePath(snapshot, full).Replace('\\', '/'), size, etag, Downloaded: false);
            })
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        return new PulledModel(repoId, revision, Path.GetFileName(snapshot), snapshot, files) { ServedFromCacheBecause = reason };
    }

    private async Task<(string Commit, IReadOnlyList<string> Files)> ResolveRevisionAsync(
        string repoId, string revision, CancellationToken cancellationToken)
    {
        var url = new Uri(_endpoint, $"api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");
        return await _retry.ExecuteAsync(async token =>
        {
            using var response = await SendAsync(HttpMethod.Get, url, rangeFrom: null, token).ConfigureAwait(false);
            EnsureSuccess(response, repoId, revision, "the model listing");
            await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: token).ConfigureAwait(false);
            var root = json.RootElement;
            var commit = root.TryGetProperty("sha", out var sha) ? sha.GetString() : null;
            if (commit is null || !ModelCache.IsCommitHash(commit))
            {
                throw new HubException($"{url} gave no commit hash ('sha'); is HF_ENDPOINT ({_options.Endpoint}) a Hugging Face hub or mirror?");
            }

            var files = new List<string>();
            if (root.TryGetProperty("siblings", out var siblings))
            {
                foreach (var sibling in siblings.EnumerateArray())
                {
                    var name = sibling.GetProperty("rfilename").GetString()!;
                    ValidateRepositoryPath(name);
                    files.Add(name);
                }
            }

            return (commit, (IReadOnlyList<string>)files);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PulledFile> PullFileAsync(
        string repoId, string commit, string path, IProgress<HubProgress>? progress, CancellationToken cancellationToken)
    {
        ValidateRepositoryPath(path);
        var url = new Uri(_endpoint, $"{repoId}/resolve/{commit}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");
        var metadata = await _retry.ExecuteAsync(
            token => new ValueTask<FileMetadata>(GetMetadataAsync(url, repoId, commit, path, token)), cancellationToken).ConfigureAwait(false);

        var blob = Cache.BlobPath(repoId, metadata.ETag);
        var downloaded = false;
        if (!File.Exists(blob) || new FileInfo(blob).Length != metadata.Size)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            var incomplete = blob + ".incomplete";
            await _retry.ExecuteAsync(
                token => new ValueTask(DownloadAsync(url, incomplete, repoId, commit, path, metadata, progress, token)), cancellationToken).ConfigureAwait(false);
            await VerifyAsync(incomplete, path, metadata, cancellationToken).ConfigureAwait(false);
            File.Move(incomplete, blob, overwrite: true);
            downloaded = true;
        }

        Cache.LinkIntoSnapshot(repoId, commit, path, metadata.ETag);
        return new PulledFile(path, metadata.Size, metadata.ETag, downloaded);
    }

    /// <summary>HEAD of the resolve URL: the hub's own reply carries the LFS headers; follow only relative redirects.</summary>
    private async Task<FileMetadata> GetMetadataAsync(Uri url, string repoId, string commit, string path, CancellationToken cancellationToken)
    {
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var response = await SendAsync(HttpMethod.Head, current, rangeFrom: null, cancellationToken).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location
                && (!location.IsAbsoluteUri || location.Authority == current.Authority)
                && !response.Headers.Contains("X-Linked-Etag") && hop < MaxRedirects)
            {
                current = new Uri(current, location);
                continue;
            }

            if (!IsRedirect(response.StatusCode))
            {
                EnsureSuccess(response, repoId, commit, $"file '{path}'");
            }

            var etag = Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag ?? Header(response, "ETag");
            var sizeText = Header(response, "X-Linked-Size");
            long? size = sizeText is not null && long.TryParse(sizeText, out var linked) ? linked : response.Content.Headers.ContentLength;
            if (etag is null || size is null)
            {
                throw new HubException($"{current} gave no ETag or size for '{path}'; is HF_ENDPOINT ({_options.Endpoint}) a Hugging Face hub or mirror?");
            }

            return new FileMetadata(NormalizeETag(etag), size.Value);
        }
    }

    /// <summary>
    /// Fetches the file into <paramref name="incomplete"/>, continuing from what is already there with a Range request;
    /// a retry after a dropped connection lands here again and picks up where the last attempt stopped.
    /// </summary>
    private async Task DownloadAsync(
        Uri url, string incomplete, string repoId, string commit, string path, FileMetadata metadata,
        IProgress<HubProgress>? progress, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        var offset = file.Length;
        if (offset > metadata.Size)
        {
            file.SetLength(0);
            offset = 0;
        }

        if (offset == metadata.Size)
        {
            return;
        }

        using var response = await SendFollowingRedirectsAsync(url, offset > 0 ? offset : null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // What we hold cannot be resumed; start over on the next attempt.
            file.SetLength(0);
            throw new TransientHubException($"The server could not resume '{path}' at byte {offset}.");
        }

        EnsureSuccess(response, repoId, commit, $"file '{path}'");
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var range = response.Content.Headers.ContentRange;
            if (range?.From != offset)
            {
                file.SetLength(0);
                throw new TransientHubException($"The server resumed '{path}' at byte {range?.From} instead of {offset}.");
            }
        }
        else if (offset > 0)
        {
            // The server ignored the Range header and sends the whole file.
            file.SetLength(0);
            offset = 0;
        }

        file.Seek(offset, SeekOrigin.Begin);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[BufferSize];
        var done = offset;
        var lastReported = done;
        progress?.Report(new HubProgress(path, done, metadata.Size));
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            stall.CancelAfter(_options.RequestTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No data for '{path}' in {_options.RequestTimeout.TotalSeconds:0} s.");
            }

            if (read == 0)
            {
                break;
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            done += read;
            if (done > metadata.Size)
            {
                file.SetLength(0);
                throw new HubIntegrityException($"'{path}' is longer than the {metadata.Size} bytes the hub announced; nothing was kept.");
            }

            if (done - lastReported >= 1 << 20)
            {
                progress?.Report(new HubProgress(path, done, metadata.Size));
                lastReported = done;
            }
        }

        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(new HubProgress(path, done, metadata.Size));
        if (done < metadata.Size)
        {
            throw new IOException($"The connection closed after {done} of {metadata.Size} bytes of '{path}'.");
        }
    }

    /// <summary>
    /// Checks the size, and the hash the ETag names: SHA-256 for LFS files (64 hex digits), the git blob SHA-1 for
    /// small files (40 hex digits). A file that fails is deleted, so the next pull starts clean.
    /// </summary>
    private static async Task VerifyAsync(string incomplete, string path, FileMetadata metadata, CancellationToken cancellationToken)
    {
        string? problem = null;
        var length = new FileInfo(incomplete).Length;
        if (length != metadata.Size)
        {
            problem = $"has {length} bytes, the hub announced {metadata.Size}";
        }
        else if (metadata.ETag.Length is 64 or 40 && metadata.ETag.All(char.IsAsciiHexDigitLower))
        {
            var actual = await HashAsync(incomplete, gitBlob: metadata.ETag.Length == 40, cancellationToken).ConfigureAwait(false);
            if (actual != metadata.ETag)
            {
                problem = metadata.ETag.Length == 64
                    ? $"has SHA-256 {actual}, the hub announced {metadata.ETag}"
                    : $"has git blob hash {actual}, the hub announced {metadata.ETag}";
            }
        }

        if (problem is not null)
        {
            File.Delete(incomplete);
            throw new HubIntegrityException($"Downloaded '{path}' {problem}; it was discarded. Pull again; if it persists, the mirror serves a corrupt file.");
        }
    }

    private static async Task<string> HashAsync(string path, bool gitBlob, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        using var hash = IncrementalHash.CreateHash(gitBlob ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256);
        if (gitBlob)
        {
            hash.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        }

        var buffer = new byte[BufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(Uri url, long? rangeFrom, CancellationToken cancellationToken)
    {
        var current = url;
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, current, rangeFrom, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location || hop >= MaxRedirects)
            {
                return response;
            }

            response.Dispose();
            current = new Uri(current, location);
        }
    }

    /// <summary>One request, headers only; a timeout or a 5xx/429 reply surfaces as a retryable exception.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long? rangeFrom, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        if (rangeFrom is { } from)
        {
            request.Headers.Range = new RangeHeaderValue(from, null);
        }

        // The token goes to the hub only, never to the CDN it redirects to.
        if (_options.Token is { } token && url.Authority == _endpoint.Authority)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {url} did not answer within {_options.RequestTimeout.TotalSeconds:0} s.");
        }

        if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
        {
            var status = response.StatusCode;
            response.Dispose();
            throw new TransientHubException($"{method} {url} answered {(int)status} {status}.");
        }

        return response;
    }

    private void EnsureSuccess(HttpResponseMessage response, string repoId, string revision, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var hint = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                _options.Token is null ? " The repository may be gated or private: set HF_TOKEN." : " HF_TOKEN was sent and refused.",
            HttpStatusCode.NotFound => $" Check the repository id '{repoId}' and revision '{revision}' (and HF_TOKEN for private repositories).",
            _ => "",
        };
        throw new HubException($"{_options.Endpoint} answered {status} {response.ReasonPhrase} for {what} ({response.RequestMessage?.RequestUri}).{hint}");
    }

    private static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400 and not 304;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Drops the weak-validator prefix and the quotes: <c>W/"abc"</c> → <c>abc</c>.</summary>
    private static string NormalizeETag(string etag)
    {
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        value = value.Trim('"');
        if (value.Length == 0 || value.Contains('/') || value.Contains('\\') || value.Contains(".."))
        {
            throw new HubException($"The hub sent an unusable ETag '{etag}'.");
        }

        return value;
    }

    /// <summary>Repository paths become cache paths: refuse anything that could leave the snapshot folder.</summary>
    private static void ValidateRepositoryPath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.StartsWith('/') || path.Contains('\\') || path.Contains(':')
            || path.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new HubException($"The hub listed an unsafe file path '{path}'; refusing to write it.");
        }
    }

    public void Dispose() => _http.Dispose();

    private sealed record FileMetadata(string ETag, long Size);

    private sealed class TransientHubException(string message) : Exception(message);
}
