namespace BlogSemanticIndex.Service.Hosting;

/// <summary>Process exit codes, so scripts and service managers can tell failures apart.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadConfiguration = 2;
    public const int DatabaseUnavailable = 3;
    public const int MigrationRefused = 4;
}
