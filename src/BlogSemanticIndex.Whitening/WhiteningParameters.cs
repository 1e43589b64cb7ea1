using System.Globalization;
namespace BlogSemanticIndex.Whitening;

/// <summary>
/// The hyperparameters of one fit: x̃ = (x − β·μ) · U · (Λ + ε·λ₁)^(−γ/2), first <see cref="Dims"/> columns, L2-normalised.
/// </summary>
/// <param name="Beta">β ∈ [0, 1]: how much of the mean to subtract (1 = centre the vectors).</param>
/// <param name="Gamma">γ ∈ [0, 1]: how strongly to equalise the variances (0 = rotation only, 1 = full whitening).</param>
/// <param name="Dims">k: dimensions kept; 0 means <see cref="AutoDims"/> of the encoder's dimensions.</param>
/// <param name="Epsilon">
/// ε ≥ 0, relative to the largest eigenvalue λ₁: added to every eigenvalue before the power −γ/2, so a
/// direction the data never varied in (rank-deficient data, n ≤ k) is scaled by at most ε^(−γ/2) times
/// the top direction's scale instead of by infinity. It has no effect when γ = 0.
/// </param>
public sealed record WhiteningParameters(double Beta, double Gamma, int Dims, double Epsilon = WhiteningParameters.DefaultEpsilon)
{
    /// <summary>
    /// 1e-6 λ₁: far below the spectrum of a real encoder's vectors (MiniLM's smallest eigenvalue of
    /// blog-sized corpora is around 1e-3 λ₁), so it changes a healthy fit by less than 0.1%, yet it caps
    /// the blow-up of a null direction at 1000× (γ = 1).
    /// </summary>
    public const double DefaultEpsilon = 1e-6;

    /// <summary>
    /// Below this (relative to λ₁) an eigenvalue is floored even with ε = 0, so a transform is always finite.
    /// </summary>
    public const double EigenvalueFloor = 1e-12;

    /// <summary>Two thirds of the encoder's dimensions, rounded down to a multiple of 8 (256 of MiniLM's 384).</summary>
    public static int AutoDims(int modelDimensions) =>
        modelDimensions < 12 ? Math.Max(1, modelDimensions * 2 / 3) : modelDimensions * 2 / 3 / 8 * 8;

    /// <summary>k for an encoder with <paramref name="modelDimensions"/> dimensions.</summary>
    public int ResolveDims(int modelDimensions) => Dims == 0 ? AutoDims(modelDimensions) : Dims;

    /// <summary>Every problem with these values, each naming its setting; empty when they are usable.</summary>
    /// <summary>pgvector's HNSW indexes <c>vector</c> columns of at most 2,000 dimensions.</summary>
    public const int MaxDims = 2000;

    public IReadOnlyList<string> Validate(int? modelDimensions = null)
    {
        var errors = new List<string>();
        if (!(Beta is >= 0 and <= 1))
        {
            errors.Add($"{WhiteningOptions.SectionName}:Beta (--beta) is {Beta}; allowed: a number from 0 (keep the mean) to 1 (subtract the mean).");
        }
        if (!(Gamma is >= 0 and <= 1))
        {
            errors.Add($"{WhiteningOptions.SectionName}:Gamma (--gamma) is {Gamma}; allowed: a number from 0 (rotate only) to 1 (full whitening).");
        }
        if (Dims < 0 || Dims > MaxDims || (modelDimensions is { } d && Dims > d))
        {
            var range = modelDimensions is { } max ? $"1 to {Math.Min(max, MaxDims)} (the encoder's dimensions)" : $"1 to the encoder's dimensions (at most {MaxDims})";
            errors.Add($"{WhiteningOptions.SectionName}:Dims (--dims) is {Dims}; allowed: 0 (two thirds of the encoder's dimensions) or {range}.");
        }
        if (!(Epsilon is >= 0 and <= 1))
        {
            errors.Add($"{WhiteningOptions.SectionName}:Epsilon is {Epsilon}; allowed: a number from 0 to 1 (relative to the largest eigenvalue; default {DefaultEpsilon}).");
        }
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void ValidateOrThrow(int? modelDimensions = null)
    {
        var errors = Validate(modelDimensions);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }

    public override string ToString() => $"(β={Beta}, γ={Gamma}, k={(Dims == 0 ? "auto" : Dims.ToString(CultureInfo.InvariantCulture))}, ε={Epsilon})";
}
