namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// The real encoder with a hook before each call (to cancel a run or break a connection at a known point), and
/// optionally another identity (to play a different model).
/// </summary>
internal sealed class InterceptingEncoder(IChunkEncoder inner, Action<int>? beforeCall = null, string? name = null, string? revision = null) : IChunkEncoder
{
    private int _calls;

    public string Name => name ?? inner.Name;

    public string Revision => revision ?? inner.Revision;

    public int Dimensions => inner.Dimensions;

    public int Calls => _calls;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        beforeCall?.Invoke(Interlocked.Increment(ref _calls));
        cancellationToken.ThrowIfCancellationRequested();
        return inner.Encode(texts, cancellationToken);
    }

    public BlogSemanticIndex.Tokenization.CoverageReport MeasureCoverage(string text) => inner.MeasureCoverage(text);
}
