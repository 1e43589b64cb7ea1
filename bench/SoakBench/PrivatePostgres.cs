using System.Diagnostics;

namespace SoakBench;

/// <summary>
/// A PostgreSQL cluster of the benchmark's own (initdb into a temporary folder, its own port on loopback), so the
/// index-database restart stops nobody else's server: others' tests use the shared one on 5432. As root, the server
/// runs as <c>postgres</c> (initdb refuses root). pgvector's extension files are installed for the whole server
/// version, so the product's migrations create the extension in it as they do anywhere.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Password = "soak";
    private readonly string _bin;
    private readonly string _folder;
    private readonly int _port;

    private PrivatePostgres(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        _port = port;
    }

    private string DataFolder => Path.Combine(_folder, "data");

    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Database=postgres;Username=bsi;Password={Password}";

    public static async Task<PrivatePostgres> CreateAsync(string bin)
    {
        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            throw new FileNotFoundException($"no initdb in {bin}; pass --pg-bin <PostgreSQL's bin folder>");
        }
        var folder = Directory.CreateTempSubdirectory("bsi-soak-pg-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "password"), Password);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["-R", "postgres:postgres", folder]);
        }
        var cluster = new PrivatePostgres(bin, folder, BsiServer.FreePort());
        await cluster.PgAsync("initdb", "-D", cluster.DataFolder, "-U", "bsi", "--auth=scram-sha-256",
            $"--pwfile={Path.Combine(folder, "password")}", "-E", "UTF8", "--no-locale");
        await cluster.StartAsync();
        return cluster;
    }

    /// <summary>Starts the server and returns once it accepts connections (pg_ctl -w).</summary>
    public Task StartAsync() => PgAsync("pg_ctl", "-D", DataFolder, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60",
        "-o", $"-p {_port} -k {_folder} -c listen_addresses=127.0.0.1", "start");

    /// <summary>Stops the server as an operator's restart does: open connections are closed, in-flight work rolled back.</summary>
    public Task StopAsync() => PgAsync("pg_ctl", "-D", DataFolder, "-m", "fast", "-w", "-t", "60", "stop");

    private Task PgAsync(string program, params string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        return Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}{await errors}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", "-D", DataFolder, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        Directory.Delete(_folder, recursive: true);
    }
}
