using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Stages;

public enum PoolingMode
{
    Mean,
    Cls,
    Max,
    MeanSqrtLen,
}

/// <summary>Token states → one vector per text, as sentence-transformers' <c>Pooling</c> module (one mode at a time).</summary>
public sealed class Pooling
{
    public const string ConfigFile = "config.json";

    private static readonly (string Key, PoolingMode Mode)[] ConfigKeys =
    [
        ("pooling_mode_mean_tokens", PoolingMode.Mean),
        ("pooling_mode_cls_token", PoolingMode.Cls),
        ("pooling_mode_max_tokens", PoolingMode.Max),
        ("pooling_mode_mean_sqrt_len_tokens", PoolingMode.MeanSqrtLen),
    ];

    private static readonly Dictionary<string, PoolingMode> ModeNames = new(StringComparer.Ordinal)
    {
        ["mean"] = PoolingMode.Mean,
        ["cls"] = PoolingMode.Cls,
        ["max"] = PoolingMode.Max,
        ["mean_sqrt_len_tokens"] = PoolingMode.MeanSqrtLen,
    };

    public Pooling(PoolingMode mode) => Mode = mode;

    public PoolingMode Mode { get; }

    /// <summary>Reads a sentence-transformers pooling folder (<c>1_Pooling/config.json</c>).</summary>
    public static Pooling Load(string folder)
    {
        var path = Path.Combine(folder, ConfigFile);
        var config = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        if (config["pooling_mode"] is JsonValue named)
        {
            var name = named.GetValue<string>();
            return ModeNames.TryGetValue(name, out var mode)
                ? new Pooling(mode)
                : throw new NotSupportedException($"{path}: pooling_mode '{name}' is not supported; allowed values: {string.Join(", ", ModeNames.Keys)}.");
        }
        var enabled = ConfigKeys.Where(k => config[k.Key] is JsonValue v && v.GetValue<bool>()).ToList();
        var unsupported = config.Where(p => p.Key.StartsWith("pooling_mode_", StringComparison.Ordinal)
                                            && p.Value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True
                                            && ConfigKeys.All(k => k.Key != p.Key))
            .Select(p => p.Key)
            .ToList();
        if (unsupported.Count > 0 || enabled.Count != 1)
        {
            throw new NotSupportedException(
                $"{path}: exactly one pooling mode must be enabled, and only these are supported: {string.Join(", ", ConfigKeys.Select(k => k.Key))}; " +
                $"enabled here: {string.Join(", ", enabled.Select(e => e.Key).Concat(unsupported).DefaultIfEmpty("none"))}.");
        }
        return new Pooling(enabled[0].Mode);
    }

    /// <summary>
    /// <paramref name="tokens"/>: [batch, length, hidden]; <paramref name="mask"/>: bool [batch, length], true for real
    /// tokens. Returns [batch, hidden] in float32 (pooling sums many tokens, so it runs in full precision).
    /// </summary>
    public Tensor Forward(Tensor tokens, Tensor mask)
    {
        using var scope = NewDisposeScope();
        // Token states stay in the model's dtype (no float32 copy of the whole batch); what is summed or kept is
        // converted, and sums accumulate in float32.
        Tensor pooled;
        switch (Mode)
        {
            case PoolingMode.Cls:
                pooled = tokens.select(1, 0).to(ScalarType.Float32);
                break;
            case PoolingMode.Max:
                // As sentence-transformers: padding set to a large negative value (-inf in fp16) before the max.
                pooled = tokens.masked_fill(mask.logical_not().unsqueeze(-1), -1e9).amax([1]).to(ScalarType.Float32);
                break;
            default:
                // Multiplying by the 0/1 mask is exact in any dtype.
                var sums = tokens.mul(mask.to(tokens.dtype).unsqueeze(-1)).sum(1, type: ScalarType.Float32);
                var counts = mask.sum(1, keepdim: true, type: ScalarType.Float32).clamp_min(1e-9);
                pooled = Mode == PoolingMode.Mean ? sums.div_(counts) : sums.div_(counts.sqrt_());
                break;
        }
        return pooled.MoveToOuterDisposeScope();
    }
}

/// <summary>L2 normalisation of sentence vectors (sentence-transformers' <c>Normalize</c> module).</summary>
public static class Normalize
{
    public static Tensor Forward(Tensor vectors) => nn.functional.normalize(vectors, p: 2, dim: 1);
}
