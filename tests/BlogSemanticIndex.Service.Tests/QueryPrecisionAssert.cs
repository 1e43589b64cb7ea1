using System.Text.Json;
using BlogSemanticIndex.Embedding;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>What /healthz's model check says about the searches' encoder under the default (auto) precisions.</summary>
internal static class QueryPrecisionAssert
{
    /// <summary>
    /// fp32 on a CPU without bf16; on one with it, the precision that ran the probe queries faster, with both times
    /// shown. Returns the query precision.
    /// </summary>
    public static string Measured(JsonElement modelData)
    {
        var precision = modelData.GetProperty("queryPrecision").GetString()!;
        if (!DeviceSelection.CpuSupportsBf16)
        {
            Assert.Equal("fp32", precision);
            Assert.False(modelData.TryGetProperty("queryPrecisionProbe", out _));
            return precision;
        }
        var probe = modelData.GetProperty("queryPrecisionProbe");
        var fp32Ms = probe.GetProperty("fp32Ms").GetDouble();
        var bf16Ms = probe.GetProperty("bf16Ms").GetDouble();
        Assert.True(fp32Ms > 0 && bf16Ms > 0, $"probe times {fp32Ms} and {bf16Ms} ms");
        Assert.Equal(bf16Ms < fp32Ms ? "bf16" : "fp32", precision);
        return precision;
    }
}
