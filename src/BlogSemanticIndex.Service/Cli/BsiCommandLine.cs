using System.CommandLine;

namespace BlogSemanticIndex.Service.Cli;

public static class BsiCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("bsi — semantic search for Typecho blogs: the service and its admin commands.");
        root.Options.Add(CommandRunner.ConfigFile);
        root.Options.Add(CommandRunner.Settings);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(WhiteningCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ReindexCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(FineTuneCommand.Create());
        root.Subcommands.Add(AdminCommand.Create());
        root.Subcommands.Add(ServiceCommand.Create());
        return root;
    }
}
