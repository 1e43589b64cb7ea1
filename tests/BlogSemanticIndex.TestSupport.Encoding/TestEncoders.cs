using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Builtin;

namespace BlogSemanticIndex.TestSupport.Encoding;

public static class TestEncoders
{
    /// <summary>fp32 on the CPU: what every test that checks vectors expects.</summary>
    public static EncoderOptions CpuFp32 => new() { Device = "cpu", Precision = "fp32" };

    /// <summary>
    /// The builtin MiniLM, imported into one folder under the temp directory that every test project shares, so a
    /// machine imports it once; loaded in fp32 on the CPU.
    /// </summary>
    public static (SentenceEncoder Encoder, BuiltinModelFolder Folder) LoadBuiltinMiniLm()
    {
        var folder = BuiltinMiniLm.EnsureImported(Path.Combine(Path.GetTempPath(), "bsi-tests", "models", BuiltinMiniLm.FolderName));
        return (SentenceEncoder.FromFolder(folder.Folder, CpuFp32, BuiltinMiniLm.ModelId, folder.Revision), folder);
    }
}
