using System.Globalization;
using System.CommandLine;
using System.Net;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Serilog;
using Spectre.Console;

namespace BlogSemanticIndex.Service.Cli;

internal static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "What to search for" };
        var mode = new Option<SearchMode>("--mode") { Description = "hybrid (default), semantic or keyword", DefaultValueFactory = _ => SearchMode.Hybrid };
        var page = new Option<int>("--page") { Description = "Result page", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Results per page", DefaultValueFactory = _ => 10 };
        var command = new Command("search", "Search the index as GET /search does, and print the results as a table (for admins).");
        command.Arguments.Add(query);
        command.Options.Add(mode);
        command.Options.Add(page);
        command.Options.Add(pageSize);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            var text = parseResult.GetValue(query) ?? "";
            if (string.IsNullOrWhiteSpace(text) || text.Length > 512)
            {
                Log.Fatal("The query must be 1 to 512 characters, not empty or whitespace.");
                return ExitCodes.BadConfiguration;
            }
            var (pageNumber, size) = (parseResult.GetValue(page), parseResult.GetValue(pageSize));
            if (pageNumber is < 1 or > SearchOptions.MaxPage || size is < 1 or > SearchOptions.MaxPageSize)
            {
                Log.Fatal("--page is {Page} and --page-size {PageSize}; allowed: --page 1 to {MaxPage}, --page-size 1 to {MaxPageSize} (as GET /search).",
                    pageNumber, size, SearchOptions.MaxPage, SearchOptions.MaxPageSize);
                return ExitCodes.BadConfiguration;
            }
            await using var services = EvalCommand.BuildSearchServices(configuration);
            var response = await services.GetRequiredService<SearchService>()
                .SearchAsync(text, parseResult.GetValue(mode), pageNumber, size);
            Print(response);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(SearchResponse response)
    {
        var table = new Table().AddColumns("#", "cid", "title", "score", "snippet");
        var rank = (response.Page - 1) * response.PageSize;
        foreach (var hit in response.Hits)
        {
            // The snippet is HTML with the match in <mark>: shown as highlighted console text.
            var snippet = Markup.Escape(WebUtility.HtmlDecode(hit.Snippet.Replace("<mark>", "\u0001").Replace("</mark>", "\u0002")))
                .Replace("\u0001", "[yellow]").Replace("\u0002", "[/]");
            table.AddRow((++rank).ToString(CultureInfo.InvariantCulture), hit.Cid.ToString(CultureInfo.InvariantCulture), Markup.Escape(hit.Title), hit.Score.ToString("0.####", CultureInfo.InvariantCulture), snippet);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{response.Total} posts, mode {response.Mode}, page {response.Page}");
        foreach (var warning in response.Warnings ?? [])
        {
            Log.Warning("{Warning}", warning);
        }
    }
}
