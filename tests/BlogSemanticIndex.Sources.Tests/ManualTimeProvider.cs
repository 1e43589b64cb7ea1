namespace BlogSemanticIndex.Sources.Tests;

/// <summary>A clock the test moves by hand, so "now" against Typecho's unix-second columns is exact.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
