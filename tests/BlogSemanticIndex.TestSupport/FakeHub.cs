using System.Globalization;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BlogSemanticIndex.TestSupport;

/// <summary>A stand-in for the Hugging Face hub (which is unreachable here), serving the same URL layout.
/// One model repository as the fake hub serves it; LFS files go through a 302 to the "CDN" path.</summary>
public sealed class FakeRepo(string id, string commit)
{
    public string Id { get; } = id;

    public string Commit { get; } = commit;

    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Lfs { get; } = new(StringComparer.Ordinal);

    public string ETagOf(string path) => Lfs.Contains(path) ? Sha256(Files[path]) : GitBlobSha1(Files[path]);

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

#pragma warning disable CA5350 // Git names blobs by SHA-1 and the Hub's ETags are those names: the fake must compute the same, not a stronger hash.
    public static string GitBlobSha1(byte[] data) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));
#pragma warning restore CA5350
}

/// <summary>A recorded request: method, path (with query), Range header, Authorization header.</summary>
public sealed record FakeRequest(string Method, string Path, string? Range, string? Authorization);

/// <summary>
/// A local HTTP server in the hub's URL layout: <c>/api/models/{repo}/revision/{rev}</c>,
/// <c>/{repo}/resolve/{rev}/{path}</c> (HEAD and GET, with <c>X-Repo-Commit</c>, <c>ETag</c>, and for LFS files a 302
/// carrying <c>X-Linked-Etag</c> / <c>X-Linked-Size</c>), and <c>/cdn/{sha256}</c> serving LFS bytes with Range.
/// Faults can be injected per file.
/// </summary>
public sealed class FakeHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly string _prefix;

    public FakeHub(string pathPrefix = "")
    {
        _prefix = pathPrefix.TrimEnd('/');
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add($"{BaseUrl}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The endpoint to give the client (with the path prefix, as a mirror under a sub-path would have).</summary>
    public string Url => BaseUrl + _prefix;

    public string BaseUrl { get; }

    public Dictionary<string, FakeRepo> Repos { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>File path → bytes after which the next GET of it closes the connection (once).</summary>
    public ConcurrentDictionary<string, long> DropAfterBytesOnce { get; } = new();

    /// <summary>File paths served with one byte flipped while the headers announce the true hash.</summary>
    public ConcurrentDictionary<string, bool> Corrupt { get; } = new();

    /// <summary>How many of the next requests answer 503.</summary>
    public int FailNextRequestsWith503
    {
        get => Volatile.Read(ref _failNextRequestsWith503);
        set => Volatile.Write(ref _failNextRequestsWith503, value);
    }

    private int _failNextRequestsWith503;

    public FakeRepo AddRepo(string id, string commit)
    {
        var repo = new FakeRepo(id, commit);
        Repos[id] = repo;
        return repo;
    }

    public void ClearRequests() => Requests.Clear();

    public void Dispose()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var rawPath = request.Url!.AbsolutePath;
        Requests.Enqueue(new FakeRequest(request.HttpMethod, request.Url.PathAndQuery, request.Headers["Range"], request.Headers["Authorization"]));
        try
        {
            if (Interlocked.Decrement(ref _failNextRequestsWith503) >= 0)
            {
                response.StatusCode = 503;
                response.Close();
                return;
            }

            if (!rawPath.StartsWith(_prefix + "/", StringComparison.Ordinal))
            {
                NotFound(response);
                return;
            }

            var path = Uri.UnescapeDataString(rawPath[_prefix.Length..]);
            if (path.StartsWith("/api/models/", StringComparison.Ordinal))
            {
                await ServeListingAsync(path["/api/models/".Length..], response);
            }
            else if (path.StartsWith("/cdn/", StringComparison.Ordinal))
            {
                var sha = path["/cdn/".Length..];
                var match = Repos.Values.SelectMany(r => r.Lfs.Select(f => (Repo: r, File: f))).FirstOrDefault(x => x.Repo.ETagOf(x.File) == sha);
                if (match.Repo is null)
                {
                    NotFound(response);
                    return;
                }

                await ServeBytesAsync(request, response, match.File, match.Repo.Files[match.File]);
            }
            else
            {
                await ServeResolveAsync(path, request, response);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    private async Task ServeListingAsync(string rest, HttpListenerResponse response)
    {
        // {org}/{name}/revision/{rev}
        var marker = rest.IndexOf("/revision/", StringComparison.Ordinal);
        if (marker < 0 || !Repos.TryGetValue(rest[..marker], out var repo) || !IsKnownRevision(repo, rest[(marker + "/revision/".Length)..]))
        {
            NotFound(response);
            return;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = repo.Id,
            sha = repo.Commit,
            siblings = repo.Files.Keys.Select(f => new { rfilename = f }).ToArray(),
        });
        response.ContentType = "application/json";
        response.ContentLength64 = json.Length;
        await response.OutputStream.WriteAsync(json);
        response.Close();
    }

    private async Task ServeResolveAsync(string path, HttpListenerRequest request, HttpListenerResponse response)
    {
        // /{org}/{name}/resolve/{rev}/{file...}
        var parts = path.TrimStart('/').Split('/');
        if (parts.Length < 5 || parts[2] != "resolve" || !Repos.TryGetValue($"{parts[0]}/{parts[1]}", out var repo)
            || !IsKnownRevision(repo, parts[3]))
        {
            NotFound(response);
            return;
        }

        var file = string.Join('/', parts[4..]);
        if (!repo.Files.TryGetValue(file, out var data))
        {
            NotFound(response);
            return;
        }

        response.Headers["X-Repo-Commit"] = repo.Commit;
        if (repo.Lfs.Contains(file))
        {
            var sha = repo.ETagOf(file);
            response.StatusCode = 302;
            response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            response.Headers["X-Linked-Size"] = data.Length.ToString(CultureInfo.InvariantCulture);
            response.Headers["ETag"] = $"\"{FakeRepo.GitBlobSha1(Encoding.ASCII.GetBytes(sha))}\"";
            response.RedirectLocation = $"{BaseUrl}{_prefix}/cdn/{sha}";
            response.ContentLength64 = 0;
            response.Close();
            return;
        }

        response.Headers["ETag"] = $"\"{repo.ETagOf(file)}\"";
        await ServeBytesAsync(request, response, file, data);
    }

    private async Task ServeBytesAsync(HttpListenerRequest request, HttpListenerResponse response, string file, byte[] data)
    {
        if (Corrupt.ContainsKey(file))
        {
            data = [.. data];
            data[data.Length / 2] ^= 0xFF;
        }

        long from = 0;
        var range = request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            if (from >= data.Length)
            {
                response.StatusCode = 416;
                response.Close();
                return;
            }

            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {from}-{data.Length - 1}/{data.Length}";
        }

        response.ContentLength64 = data.Length - from;
        if (request.HttpMethod == "HEAD")
        {
            response.Close();
            return;
        }

        if (DropAfterBytesOnce.TryRemove(file, out var dropAfter))
        {
            await response.OutputStream.WriteAsync(data.AsMemory((int)from, (int)(dropAfter - from)));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        await response.OutputStream.WriteAsync(data.AsMemory((int)from));
        response.Close();
    }

    private static bool IsKnownRevision(FakeRepo repo, string revision) => revision is "main" || revision == repo.Commit;

    private static void NotFound(HttpListenerResponse response)
    {
        response.StatusCode = 404;
        response.Close();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
