using BlogSemanticIndex.Embedding;
using Serilog;

namespace BlogSemanticIndex.Service.Hosting;

internal static class EncoderLoading
{
    /// <summary>
    /// Loads the configured encoder, turning the failures an operator can fix (a model that is not
    /// cached, a device or precision this machine lacks, a broken checkpoint) into one clear message.
    /// </summary>
    public static SentenceEncoder Load(EncoderOptions options)
    {
        try
        {
            var encoder = SentenceEncoder.Create(options);
            Log.Information("Encoder {Model}@{Revision}: {Dimensions} dims, {Device} {Precision}",
                encoder.Info.Name, encoder.Info.Revision, encoder.Info.Dimensions, encoder.Info.Device, encoder.Info.Precision);
            return encoder;
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException or InvalidDataException
                                      or BlogSemanticIndex.ModelHub.HubException)
        {
            throw new Cli.OptionsValidationFailure($"cannot load the encoder: {e.Message}");
        }
    }
}
