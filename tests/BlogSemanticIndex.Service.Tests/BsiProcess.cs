using System.Globalization;
using System.Diagnostics;
using System.Text;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>Runs the real <c>bsi</c> binary (built beside the tests) as a child process.</summary>
internal sealed class BsiProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _lock = new();

    private BsiProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_lock) { return _output.ToString(); } } }
    public int Id => _process.Id;

    public static BsiProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // A folder of its own, so the rolling log file does not land among the tests.
            WorkingDirectory = Directory.CreateTempSubdirectory("bsi-run-").FullName,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bsi.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return new BsiProcess(Process.Start(start)!);
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        // A safety net against a hung command, not a speed check: a loaded 2-core CI machine runs an eval for over a minute.
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromMinutes(4));
        return (exitCode, process.Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as systemd does to stop a service.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_lock) { _output.AppendLine(line); }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
