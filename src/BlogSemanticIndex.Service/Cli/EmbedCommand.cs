using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using BlogSemanticIndex.Service.Hosting;

namespace BlogSemanticIndex.Service.Cli;

internal static class EmbedCommand
{
    // Chinese text stays readable in the output rather than \uXXXX escapes.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts to embed", Arity = ArgumentArity.OneOrMore };
        var query = new Option<bool>("--query") { Description = "Embed as search queries (with Encoder:QueryPrefix)" };
        var command = new Command("embed", "Print the encoder's vector of each text as JSON lines (for debugging).");
        command.Arguments.Add(texts);
        command.Options.Add(query);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration =>
        {
            using var encoder = EncoderLoading.Load(configuration.GetEncoderOptions());
            var inputs = parseResult.GetValue(texts)!;
            var vectors = parseResult.GetValue(query) ? inputs.Select(encoder.EncodeQuery).ToArray() : encoder.Encode(inputs);
            for (var i = 0; i < inputs.Length; i++)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    text = inputs[i],
                    tokens = encoder.Tokenize(inputs[i]).Length,
                    vector = vectors[i].Select(v => Math.Round(v, 6)),
                }, Json));
            }
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
