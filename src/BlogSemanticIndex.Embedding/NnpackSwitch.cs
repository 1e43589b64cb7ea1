using System.Runtime.InteropServices;

namespace BlogSemanticIndex.Embedding;

/// <summary>
/// Turns libtorch's NNPACK convolution backend off (PyTorch's <c>torch.backends.nnpack.set_flags(False)</c>), which
/// TorchSharp does not expose.
/// </summary>
/// <remarks>
/// The CPU dense layers are 1×1 convolutions (see <c>Conv1x1</c>). For every small-batch convolution libtorch asks
/// whether NNPACK is usable, and on CPUs NNPACK does not support (this AMD EPYC among them) each ask logs
/// "Could not initialize NNPACK! Reason: Unsupported hardware." to stderr: 18,906 lines for 505 search queries,
/// flooding the service's journal. oneDNN runs those convolutions either way, so switching NNPACK off changes no
/// result and no speed. The switch is <c>at::globalContext().setUserEnabledNNPACK(false)</c>, called through its
/// exported C++ symbols (Itanium ABI: the context is the first argument); where they are missing (another libtorch
/// build, Windows) nothing is done and libtorch only keeps logging.
/// </remarks>
internal static unsafe class NnpackSwitch
{
    private static int applied;

    public static void DisableOnce()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref applied, 1) == 1)
        {
            return;
        }
        // TorchSharp has loaded libtorch_cpu.so by now; dlopen by its soname returns that copy.
        if (NativeLibrary.TryLoad("libtorch_cpu.so", out var library)
            && NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext)
            && NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledNNPACKEb", out var setUserEnabledNnpack))
        {
            var context = ((delegate* unmanaged<nint>)globalContext)();
            ((delegate* unmanaged<nint, byte, void>)setUserEnabledNnpack)(context, 0);
        }
    }
}
