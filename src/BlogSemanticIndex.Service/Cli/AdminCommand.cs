using System.CommandLine;
using System.Security.Cryptography;
using BlogSemanticIndex.Service.Hosting;

namespace BlogSemanticIndex.Service.Cli;

internal static class AdminCommand
{
    public static Command Create()
    {
        var token = new Command("token", "Print a new random Admin:Token (32 random bytes, base64url: 43 characters); nothing is stored.");
        token.SetAction(_ =>
        {
            // Printed once, to stdout only, so it can go straight into a secret store: bsi admin token > token.txt
            Console.WriteLine(NewToken());
            return ExitCodes.Ok;
        });
        var command = new Command("admin", "Admin API helpers.");
        command.Subcommands.Add(token);
        return command;
    }

    internal static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
