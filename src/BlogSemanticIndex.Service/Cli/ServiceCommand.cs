using System.CommandLine;
using System.Diagnostics;
using BlogSemanticIndex.Service.Hosting;

namespace BlogSemanticIndex.Service.Cli;

/// <summary>
/// <c>bsi service install|uninstall</c>: registers <c>bsi serve</c> as a Windows service that runs as its own virtual
/// account (<c>NT SERVICE\bsi</c>: no password, no admin rights, only what the install folder grants it), starts with
/// Windows and restarts after a crash. On Linux the systemd unit <c>scripts/bsi.service</c> does the same with a system user.
/// </summary>
internal static class ServiceCommand
{
    public const string DefaultName = "bsi";

    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Service name (several blogs: one service each)", DefaultValueFactory = _ => DefaultName };
        var install = new Command("install", "Register and start bsi serve as a Windows service running as the virtual account NT SERVICE\\<name>.");
        install.Options.Add(name);
        install.SetAction(parseResult => Run(InstallSteps(parseResult.GetValue(name)!, Environment.ProcessPath!, AppContext.BaseDirectory),
            prepare: () => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "logs"))));
        var uninstall = new Command("uninstall", "Stop and remove the Windows service.");
        uninstall.Options.Add(name);
        uninstall.SetAction(parseResult => Run(UninstallSteps(parseResult.GetValue(name)!)));

        var command = new Command("service", "Install bsi as a Windows service (on Linux: scripts/bsi.service).");
        command.Subcommands.Add(install);
        command.Subcommands.Add(uninstall);
        return command;
    }

    /// <summary>The commands that install the service, in order (each one <c>sc.exe</c> or <c>icacls</c> with its arguments); the log folder exists by then.</summary>
    internal static IReadOnlyList<(string Program, string[] Arguments)> InstallSteps(string name, string executable, string folder)
    {
        var account = $@"NT SERVICE\{name}";
        var logs = Path.Combine(folder, "logs");
        return
        [
            ("sc.exe", ["create", name, "binPath=", $"\"{executable}\" serve", "start=", "delayed-auto", "obj=", account, "DisplayName=", $"BlogSemanticIndex ({name})"]),
            ("sc.exe", ["description", name, "Semantic search for a Typecho blog: indexes its posts and answers the search plugin."]),
            // Restart after 10 s on a crash; a bad setting exits with code 2 and would only crash again, but sc cannot tell.
            ("sc.exe", ["failure", name, "reset=", "86400", "actions=", "restart/10000/restart/10000/restart/60000"]),
            // The account reads the program and its settings and writes only its log folder.
            ("icacls", [folder, "/grant", $"{account}:(OI)(CI)RX", "/T", "/Q"]),
            ("icacls", [logs, "/grant", $"{account}:(OI)(CI)M", "/T", "/Q"]),
            ("sc.exe", ["start", name]),
        ];
    }

    internal static IReadOnlyList<(string Program, string[] Arguments)> UninstallSteps(string name) =>
    [
        ("sc.exe", ["stop", name]),
        ("sc.exe", ["delete", name]),
    ];

    private static int Run(IReadOnlyList<(string Program, string[] Arguments)> steps, Action? prepare = null)
    {
        if (!OperatingSystem.IsWindows())
        {
            Console.Error.WriteLine("bsi service is for Windows; on Linux install scripts/bsi.service (its header lists the steps: a system user, the unit, systemctl enable).");
            return ExitCodes.BadConfiguration;
        }
        prepare?.Invoke();
        foreach (var (program, arguments) in steps)
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
            process.WaitForExit();
            // Stopping a service that is not running fails harmlessly (1062); anything else stops the sequence.
            if (process.ExitCode != 0 && !(arguments[0] == "stop" && process.ExitCode == 1062))
            {
                Console.Error.WriteLine($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode} (run from an elevated prompt).");
                return ExitCodes.Failure;
            }
        }
        return ExitCodes.Ok;
    }
}
