using System.Runtime.InteropServices;

namespace BlogSemanticIndex.Embedding;

/// <summary>
/// Uses another libtorch than the CPU one from NuGet — typically a PyTorch install's <c>torch/lib</c>, which has
/// CUDA (no CUDA libtorch package is served here). Its libraries are loaded before TorchSharp's first call, so
/// TorchSharp's own binding (<c>libLibTorchSharp.so</c>) resolves against them. Verified with PyTorch 2.11 + CUDA 13
/// for TorchSharp 0.107 (built for libtorch 2.10): no missing symbol (bench/gpu-check.sh).
/// </summary>
public static class LibTorchLoader
{
    // Dependency order: each library needs the ones before it.
    private static readonly string[] Libraries = ["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"];

    private static string? loadedFrom;

    /// <summary>Loads libtorch from <paramref name="folder"/>; call before any tensor work. Idempotent for the same folder.</summary>
    public static void Load(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (loadedFrom == full)
        {
            return;
        }
        if (loadedFrom is not null)
        {
            throw new InvalidOperationException($"libtorch is already loaded from {loadedFrom}; one process uses one libtorch.");
        }
        if (!File.Exists(Path.Combine(full, "libtorch.so")))
        {
            throw new DirectoryNotFoundException(
                $"{EncoderOptions.SectionName}:LibTorchPath '{folder}' has no libtorch.so; point it at a folder such as a PyTorch install's torch/lib.");
        }
        foreach (var name in Libraries)
        {
            var path = Path.Combine(full, name);
            if (File.Exists(path))
            {
                NativeLibrary.Load(path);
            }
        }
        loadedFrom = full;
    }
}
