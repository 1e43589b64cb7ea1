using System.CommandLine;
using BlogSemanticIndex.Service.Cli;
using Microsoft.Extensions.Hosting.WindowsServices;

// Windows starts services in System32: relative paths (appsettings.json's logs/, migrations/) mean the install folder.
if (WindowsServiceHelpers.IsWindowsService())
{
    Environment.CurrentDirectory = AppContext.BaseDirectory;
}

// System.CommandLine's own termination handling is off: `serve` stops through the host's lifetime (graceful, however long
// the host allows), the other commands are crash-safe by design, and its handler crashed the process when a second SIGTERM
// or Ctrl+C arrived during shutdown (as under `dotnet run`, or `kill` of a process group).
return await BsiCommandLine.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
