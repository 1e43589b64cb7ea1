using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Builtin;

namespace BlogSemanticIndex.TestSupport.Encoding;

public static class TestEncoders
{
    /// <summary>fp32 on the CPU: what every test that checks vectors expects.</summary>
    public static EncoderOptions CpuFp32 => new() { Device = "cpu", Precision = "fp32" };

    /// <summary>The builtin MiniLM in fp32 on the CPU (see <see cref="LoadBuiltin"/>).</summary>
    public static (SentenceEncoder Encoder, BuiltinModelFolder Folder) LoadBuiltinMiniLm() => LoadBuiltin(BuiltinModel.MiniLm);

    /// <summary>
    /// A builtin model, imported into one folder under the temp directory that every test project shares, so a
    /// machine imports it once; loaded with <paramref name="options"/> (default fp32 on the CPU).
    /// </summary>
    public static (SentenceEncoder Encoder, BuiltinModelFolder Folder) LoadBuiltin(BuiltinModel model, EncoderOptions? options = null)
    {
        var folder = ImportBuiltin(model);
        return (SentenceEncoder.FromFolder(folder.Folder, options ?? CpuFp32, model.ModelId, folder.Revision), folder);
    }

    /// <summary>The shared test import folder of a builtin model.</summary>
    public static BuiltinModelFolder ImportBuiltin(BuiltinModel model) =>
        model.EnsureImported(Path.Combine(Path.GetTempPath(), "bsi-tests", "models", model.FolderName));
}
