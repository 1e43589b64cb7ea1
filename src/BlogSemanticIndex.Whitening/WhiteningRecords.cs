namespace BlogSemanticIndex.Whitening;

/// <summary>The states of a row in <c>whitening_models</c>.</summary>
public static class WhiteningState
{
    /// <summary>Its table is being written; never the active version.</summary>
    public const string Building = "building";

    /// <summary>Its table is complete (vectors, HNSW index, statistics); the active version is always ready.</summary>
    public const string Ready = "ready";

    /// <summary>Replaced by another version; its table is dropped (activating it again rebuilds the table).</summary>
    public const string Retired = "retired";
}

/// <summary>One stored whitening version as <c>bsi whitening list</c> shows it.</summary>
public sealed record WhiteningVersion(
    int Version,
    int ModelId,
    double Beta,
    double Gamma,
    int Dims,
    double Epsilon,
    int VectorCount,
    DateTimeOffset FittedAt,
    double FitSeconds,
    string ReducedTable,
    string State,
    bool IsActive,
    bool TableExists,
    double ExplainedVariance,
    DateTimeOffset? ActivatedAt,
    DateTimeOffset? RetiredAt);

/// <summary>
/// The live version a search uses: transform the query with <see cref="Model"/>, then query
/// <see cref="QuotedTable"/> (<c>ORDER BY embedding &lt;=&gt; @q</c>). Both belong to the same version.
/// </summary>
public sealed record ActiveWhitening(int Version, string ReducedTable, WhiteningModel Model)
{
    /// <summary>The table name quoted for SQL text (it cannot be a parameter).</summary>
    public string QuotedTable => WhiteningStore.QuoteTable(ReducedTable);
}

/// <summary>What a fit or an activation did.</summary>
public sealed record WhiteningBuildResult(
    int Version,
    string ReducedTable,
    long Rows,
    bool Activated,
    int? RetiredVersion,
    bool Rebuilt,
    TimeSpan FitTime,
    TimeSpan CopyTime,
    TimeSpan IndexTime,
    TimeSpan SwitchTime);

/// <summary>A raw chunk vector from <c>chunk_embeddings</c>, with the post the chunk belongs to.</summary>
public sealed record ChunkVector(long ChunkId, long Cid, byte[] TextHash, float[] Embedding);

/// <summary>Whether the corpus has grown enough since the active fit to refit (for the scheduled job).</summary>
public sealed record RefitCheck(bool Due, long CurrentVectors, int? FittedVectors, int? ActiveVersion, string Reason);
