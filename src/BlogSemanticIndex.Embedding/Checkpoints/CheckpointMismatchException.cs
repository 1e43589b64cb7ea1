namespace BlogSemanticIndex.Embedding.Checkpoints;

/// <summary>A checkpoint whose tensors do not match the model: every missing, unexpected and mis-shaped tensor is listed.</summary>
public sealed class CheckpointMismatchException : Exception
{
    public CheckpointMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misshaped)
        : base(Describe(source, missing, unexpected, misshaped))
    {
        Missing = missing;
        Unexpected = unexpected;
        Misshaped = misshaped;
    }

    public IReadOnlyList<string> Missing { get; }
    public IReadOnlyList<string> Unexpected { get; }
    /// <summary>Entries of the form <c>name: checkpoint [a, b], model [c, d]</c>.</summary>
    public IReadOnlyList<string> Misshaped { get; }

    private static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misshaped)
    {
        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"missing ({missing.Count}): {string.Join(", ", missing)}");
        }
        if (unexpected.Count > 0)
        {
            parts.Add($"unexpected ({unexpected.Count}): {string.Join(", ", unexpected)}");
        }
        if (misshaped.Count > 0)
        {
            parts.Add($"mis-shaped ({misshaped.Count}): {string.Join("; ", misshaped)}");
        }
        return $"The checkpoint {source} does not match the model configuration: {string.Join(". ", parts)}.";
    }
}
