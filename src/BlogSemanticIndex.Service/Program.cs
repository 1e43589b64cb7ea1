using BlogSemanticIndex.Service.Cli;

return await BsiCommandLine.Create().Parse(args).InvokeAsync();
