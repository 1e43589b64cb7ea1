using System.CommandLine;
using BlogSemanticIndex.Service.Cli;

// System.CommandLine's own termination handling is off: `serve` stops through the host's lifetime (graceful, however long
// the host allows), the other commands are crash-safe by design, and its handler crashed the process when a second SIGTERM
// or Ctrl+C arrived during shutdown (as under `dotnet run`, or `kill` of a process group).
return await BsiCommandLine.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
