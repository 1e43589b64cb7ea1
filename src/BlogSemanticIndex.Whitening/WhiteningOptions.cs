using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Whitening;

/// <summary>
/// Whitening settings (configuration section <c>Whitening</c>). The defaults are the safe choice without
/// labels: β = 0, γ = 0, k = two thirds of the encoder's dimensions, i.e. PCA to 256 of MiniLM's 384.
/// </summary>
/// <remarks>
/// Why (0, 0, ⅔·d): on SciFact retrieval (issue 5) it kept nDCG@10 at 0.8149 against 0.8173 raw (−0.3%)
/// with 2/3 of the storage, the only measured setting inside the product's bar (≤ 1% loss at ≤ 2/3 of the
/// dimensions). (1, 0.5, 256) is best on STS-B but loses 1.6% on retrieval, where queries and posts are
/// distributed differently: γ &gt; 0 rescales directions by the posts' variances, which queries do not
/// share. γ = 0 is also the most robust fit on a small blog: a rotation needs no ε and cannot amplify
/// noise in directions the posts barely vary in.
/// </remarks>
public sealed class WhiteningOptions : IValidatedSection<WhiteningOptions>
{
    public const string SectionName = "Whitening";

    static string IValidatedSection<WhiteningOptions>.SectionName => SectionName;

    /// <summary>Whether the indexer keeps reduced vectors and the search uses the active whitening version.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>β ∈ [0, 1]: how much of the mean to subtract.</summary>
    public double Beta { get; set; }

    /// <summary>γ ∈ [0, 1]: how strongly to equalise variances (0 = rotation/PCA only, 1 = classic whitening).</summary>
    public double Gamma { get; set; }

    /// <summary>k, the dimensions kept; 0 = two thirds of the encoder's dimensions (256 for 384).</summary>
    public int Dims { get; set; }

    /// <summary>ε, relative to the largest eigenvalue, added to every eigenvalue before the power −γ/2.</summary>
    public double Epsilon { get; set; } = WhiteningParameters.DefaultEpsilon;

    /// <summary>
    /// Refit automatically once the raw vectors have grown by this fraction since the active fit
    /// (0.25 = a quarter more chunks); 0 turns automatic refits off.
    /// </summary>
    public double RefitGrowthFraction { get; set; } = 0.25;

    /// <summary>How often the service checks whether a refit is due (and drops retired tables).</summary>
    public TimeSpan RefitCheckInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>No automatic fit before the encoder has this many raw chunk vectors.</summary>
    public int MinVectors { get; set; } = 500;

    /// <summary>Vectors transformed and written per batch while a version's table is built.</summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>HNSW graph degree (pgvector <c>m</c>) of each version's index.</summary>
    public int HnswM { get; set; } = 16;

    /// <summary>
    /// HNSW candidate list while building (pgvector <c>ef_construction</c>). 200, not pgvector's 64: on LoadBench's 100,000
    /// chunks the semantic leg's top 10 posts reached recall 0.990 against exact search (0.980 with 64) at the same query
    /// cost, for a build of 51 s instead of 27 s; m 24 added 0.001 for 20 % more query time.
    /// </summary>
    public int HnswEfConstruction { get; set; } = 200;

    public WhiteningParameters ToParameters() => new(Beta, Gamma, Dims, Epsilon);

    /// <summary>Every problem with the settings, each naming its setting and the allowed values; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(ToParameters().Validate());
        if (!(RefitGrowthFraction is >= 0 and <= 100))
        {
            errors.Add($"{SectionName}:RefitGrowthFraction is {RefitGrowthFraction}; allowed: 0 (no automatic refit) or a fraction up to 100 (0.25 = refit after 25% growth).");
        }
        if (RefitCheckInterval < TimeSpan.FromSeconds(1) || RefitCheckInterval > TimeSpan.FromDays(7))
        {
            errors.Add($"{SectionName}:RefitCheckInterval is {RefitCheckInterval}; allowed: 00:00:01 to 7.00:00:00.");
        }
        if (MinVectors < 2)
        {
            errors.Add($"{SectionName}:MinVectors is {MinVectors}; allowed: an integer of at least 2.");
        }
        if (BatchSize is < 1 or > 1_000_000)
        {
            errors.Add($"{SectionName}:BatchSize is {BatchSize}; allowed: 1 to 1000000.");
        }
        if (HnswM is < 2 or > 100)
        {
            errors.Add($"{SectionName}:HnswM is {HnswM}; allowed: 2 to 100 (pgvector's range for m).");
        }
        if (HnswEfConstruction < 4 || HnswEfConstruction > 1000 || HnswEfConstruction < 2 * HnswM)
        {
            errors.Add($"{SectionName}:HnswEfConstruction is {HnswEfConstruction}; allowed: 4 to 1000 and at least 2 × HnswM ({2 * HnswM}).");
        }
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void ValidateOrThrow()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }
}
