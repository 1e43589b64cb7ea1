using BlogSemanticIndex.Service.Cli;

namespace BlogSemanticIndex.Service.Tests;

public sealed class ServiceCommandTests
{
    [Fact]
    public void Install_runs_as_its_own_virtual_account_that_writes_only_its_log_folder_and_restarts_after_a_crash()
    {
        var steps = ServiceCommand.InstallSteps("bsi-blog2", @"C:\bsi\bsi.exe", @"C:\bsi");

        var create = steps[0];
        Assert.Equal(("sc.exe", "create"), (create.Program, create.Arguments[0]));
        Assert.Equal("\"C:\\bsi\\bsi.exe\" serve", create.Arguments[Array.IndexOf(create.Arguments, "binPath=") + 1]);
        Assert.Equal(@"NT SERVICE\bsi-blog2", create.Arguments[Array.IndexOf(create.Arguments, "obj=") + 1]);
        Assert.Contains(steps, s => s.Program == "sc.exe" && s.Arguments[0] == "failure" && s.Arguments.Any(a => a.StartsWith("restart/", StringComparison.Ordinal)));
        var grants = steps.Where(s => s.Program == "icacls").ToList();
        Assert.Contains(grants, g => g.Arguments[0] == @"C:\bsi" && g.Arguments.Contains(@"NT SERVICE\bsi-blog2:(OI)(CI)RX"));
        Assert.Contains(grants, g => g.Arguments[0].EndsWith("logs", StringComparison.Ordinal) && g.Arguments.Contains(@"NT SERVICE\bsi-blog2:(OI)(CI)M"));
        Assert.DoesNotContain(grants, g => g.Arguments[0] == @"C:\bsi" && g.Arguments.Any(a => a.EndsWith(":(OI)(CI)M", StringComparison.Ordinal)));
        Assert.Equal(("sc.exe", "start"), (steps[^1].Program, steps[^1].Arguments[0]));
        Assert.Equal(["stop", "delete"], ServiceCommand.UninstallSteps("bsi-blog2").Select(s => s.Arguments[0]));
    }

    [SkippableFact]
    public async Task On_Linux_it_points_to_the_systemd_unit_and_exits_2()
    {
        Skip.If(OperatingSystem.IsWindows(), "this is the non-Windows answer");
        var (exitCode, output) = await BsiProcess.RunAsync(null, "service", "install");

        Assert.Equal(2, exitCode);
        Assert.Contains("scripts/bsi.service", output);
    }
}
