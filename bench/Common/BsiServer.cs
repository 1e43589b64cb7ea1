using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;

/// <summary>
/// <c>bsi serve</c> as its own process, as an operator runs it: the shipped appsettings.json (its logging
/// included) and the benchmark's settings (its index store; a blog, or none and the indexer off). Compiled into the
/// benchmarks that start one; their project sets the <c>BsiServiceAssembly</c> metadata and builds the service.
/// </summary>
internal sealed class BsiServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly Task _drain;

    private BsiServer(Process process, string folder, Uri address, Task drain)
    {
        _process = process;
        _folder = folder;
        Address = address;
        _drain = drain;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>Where the server's console output goes (kept only while it runs, shown when it fails).</summary>
    private string LogPath => Path.Combine(_folder, "console.log");

    /// <param name="settings">Section:Key=value pairs passed as <c>--set</c>.</param>
    public static async Task<BsiServer> StartAsync(IReadOnlyDictionary<string, string> settings, TimeSpan timeout)
    {
        var assembly = typeof(BsiServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BsiServiceAssembly").Value!;
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"{assembly} is missing; build the bench (it builds the service) with the same configuration.");
        }
        var port = FreePort();
        // The working folder takes the file log (logs/bsi-*.log, relative to it) and is removed afterwards.
        var folder = Directory.CreateTempSubdirectory("bsi-loadbench-serve-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { assembly, "serve", "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add($"{key}={value}");
        }
        // Settings of this shell's own bsi must not leak into the benchmark's server.
        foreach (var variable in start.Environment.Keys.Where(k => k.StartsWith("BSI__", StringComparison.Ordinal) || k == "BSI_ENVIRONMENT").ToList())
        {
            start.Environment.Remove(variable);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var log = new StreamWriter(Path.Combine(folder, "console.log"));
        var drain = Task.WhenAll(CopyAsync(process.StandardOutput, log), CopyAsync(process.StandardError, log));
        var server = new BsiServer(process, folder, new Uri($"http://127.0.0.1:{port}"), drain.ContinueWith(_ => log.Dispose(), TaskScheduler.Default));
        try
        {
            await server.WaitHealthyAsync(timeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Until <c>/healthz</c> says healthy: the database answers, the encoder is loaded, the keyword and vector indexes built.</summary>
    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"bsi serve exited with code {_process.ExitCode}:\n{await TailAsync()}");
            }
            try
            {
                last = await http.GetStringAsync("/healthz");
                // The whole service's status, not any one check's: while the keyword index builds, the database
                // check is healthy and the service is not (its keyword ranking runs in PostgreSQL meanwhile).
                using var health = JsonDocument.Parse(last);
                if (health.RootElement.GetProperty("status").GetString() == "healthy")
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"bsi serve was not healthy after {timeout.TotalSeconds:F0} s (last /healthz: {last}):\n{await TailAsync()}");
    }

    /// <summary>User and system CPU time the server process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    private async Task<string> TailAsync()
    {
        await Task.WhenAny(_drain, Task.Delay(1000));
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var lines = await new StreamReader(stream).ReadToEndAsync();
            return string.Join('\n', lines.Split('\n').TakeLast(30));
        }
        catch (IOException e)
        {
            return $"(no console output: {e.Message})";
        }
    }

    private static async Task CopyAsync(StreamReader from, StreamWriter to)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            lock (to)
            {
                to.WriteLine(line);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        await _drain;
        _process.Dispose();
        // The server's console output outlives the folder, so a failed request can be looked up after the run.
        File.Copy(LogPath, KeptLogPath, overwrite: true);
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Where the last server's console output is kept once it has stopped.</summary>
    public static string KeptLogPath => Path.Combine(Path.GetTempPath(), "bsi-bench-serve.log");
}
