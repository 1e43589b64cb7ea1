using TorchSharp;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding;

public enum EncoderPrecision
{
    Fp32,
    Fp16,
    Bf16,
}

/// <summary>Resolves the Device and Precision settings against this machine.</summary>
public static class DeviceSelection
{
    private static readonly string[] CpuFlags = ReadCpuFlags();

    /// <summary>Whether this CPU has native bf16 arithmetic (AVX512-BF16 or AMX); read from /proc/cpuinfo on Linux.</summary>
    public static bool CpuSupportsBf16 { get; } = CpuFlags.Contains("avx512_bf16") || CpuFlags.Contains("amx_bf16");

    public static Device ResolveDevice(string setting)
    {
        var value = setting.Trim().ToLowerInvariant();
        if (!EncoderOptions.IsValidDevice(value))
        {
            throw new ArgumentException($"{EncoderOptions.SectionName}:Device '{setting}' is not valid; allowed values: {string.Join(", ", EncoderOptions.AllowedDevices)}.");
        }
        if (value == "auto")
        {
            return cuda.is_available() ? CUDA : CPU;
        }
        if (value == "cpu")
        {
            return CPU;
        }
        if (!cuda.is_available())
        {
            throw new NotSupportedException(
                $"{EncoderOptions.SectionName}:Device is '{setting}' but CUDA is not available (no GPU, or this build carries the CPU-only libtorch); use auto or cpu.");
        }
        return value == "cuda" ? CUDA : new Device(value);
    }

    public static EncoderPrecision ResolvePrecision(string setting, Device device)
    {
        var value = setting.Trim().ToLowerInvariant();
        var onCuda = device.type == DeviceType.CUDA;
        switch (value)
        {
            case "auto":
                return !onCuda ? EncoderPrecision.Fp32 : CudaSupportsBf16(device) ? EncoderPrecision.Bf16 : EncoderPrecision.Fp16;
            case "fp32":
                return EncoderPrecision.Fp32;
            case "fp16" when !onCuda:
                throw new NotSupportedException(
                    $"{EncoderOptions.SectionName}:Precision fp16 needs a CUDA device (CPU fp16 matmul is slow and lossy); on the CPU use fp32{(CpuSupportsBf16 ? " or bf16" : "")}.");
            case "fp16":
                return EncoderPrecision.Fp16;
            case "bf16" when !onCuda && !CpuSupportsBf16:
                throw new NotSupportedException(
                    $"{EncoderOptions.SectionName}:Precision bf16 on the CPU needs AVX512-BF16 or AMX, which this CPU lacks; use fp32.");
            case "bf16":
                return EncoderPrecision.Bf16;
            default:
                throw new ArgumentException($"{EncoderOptions.SectionName}:Precision '{setting}' is not valid; allowed values: {string.Join(", ", EncoderOptions.AllowedPrecisions)}.");
        }
    }

    public static ScalarType ToScalarType(this EncoderPrecision precision) => precision switch
    {
        EncoderPrecision.Fp16 => ScalarType.Float16,
        EncoderPrecision.Bf16 => ScalarType.BFloat16,
        _ => ScalarType.Float32,
    };

    public static string ToSettingName(this EncoderPrecision precision) => precision switch
    {
        EncoderPrecision.Fp16 => "fp16",
        EncoderPrecision.Bf16 => "bf16",
        _ => "fp32",
    };

    // libtorch exposes no compute-capability query here; a small bf16 matmul tells whether the GPU runs bf16 kernels.
    private static bool CudaSupportsBf16(Device device)
    {
        try
        {
            using var scope = NewDisposeScope();
            var a = ones(8, 8, ScalarType.BFloat16, device);
            a.matmul(a).cpu();
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static string[] ReadCpuFlags()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal))
                {
                    return line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries);
                }
            }
        }
        catch (IOException)
        {
        }
        return [];
    }
}
