// BERT-whitening on STS Benchmark English: fit on the train sentences, Spearman correlation between cosine similarity
// and the gold score on test, for the raw vectors and a grid of (β, γ, k) — the STS table.
//   dotnet run -c Release --project bench/WhiteningSts [-- --data ../shared/data/stsb]
// Sentences are encoded once with the builtin MiniLM (fp32, CPU) and cached under $TMPDIR/bsi-whitening-sts/.
using System.Globalization;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Evaluation;
using BlogSemanticIndex.Evaluation.Corpora;
using BlogSemanticIndex.Whitening;

var dataFolder = args.Contains("--data") ? args[Array.IndexOf(args, "--data") + 1] : SharedDataFolder.Find("stsb", "stsb-en-train.csv");
var train = ReadPairs(Path.Combine(dataFolder, "stsb-en-train.csv"));
var test = ReadPairs(Path.Combine(dataFolder, "stsb-en-test.csv"));
var trainSentences = train.SelectMany(p => new[] { p.A, p.B }).Distinct().ToList();
Console.WriteLine($"STS-B English: {train.Count} train pairs ({trainSentences.Count} distinct sentences to fit on), {test.Count} test pairs");

using var encoder = SentenceEncoder.Create(new EncoderOptions { Device = "cpu", Precision = "fp32" });
var fitVectors = VectorCache.LoadOrEncode(encoder, trainSentences, "bsi-whitening-sts");
var testA = VectorCache.LoadOrEncode(encoder, [.. test.Select(p => p.A)], "bsi-whitening-sts");
var testB = VectorCache.LoadOrEncode(encoder, [.. test.Select(p => p.B)], "bsi-whitening-sts");
var gold = test.Select(p => p.Score).ToArray();

var spectrum = WhiteningFitter.FitSpectrum(fitVectors);
Console.WriteLine();
Console.WriteLine("| β   | γ   | k   | variance kept | Spearman | vs raw  |");
Console.WriteLine("|-----|-----|-----|---------------|----------|---------|");
var raw = Spearman(Cosines(testA, testB), gold);
Console.WriteLine($"| raw |     | {encoder.Dimensions,3} |               | {raw,8:F4} |         |");
foreach (var beta in new[] { 0.0, 1.0 })
{
    foreach (var gamma in new[] { 0.0, 0.5, 1.0 })
    {
        foreach (var dims in new[] { 64, 128, 256, encoder.Dimensions })
        {
            var model = spectrum.ToModel(new WhiteningParameters(beta, gamma, dims));
            var rho = Spearman(Cosines(model.TransformBatch(testA), model.TransformBatch(testB)), gold);
            Console.WriteLine($"| {beta,-3} | {gamma,-3} | {dims,3} | {spectrum.ExplainedVariance(dims),13:P1} | {rho,8:F4} | {rho - raw,7:+0.0000;-0.0000} |");
        }
    }
}

static double[] Cosines(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b) =>
    [.. a.Select((x, i) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(x, b[i]) is var c ? (double)c : 0)];

// Spearman's ρ: Pearson correlation of the ranks, ties given their average rank (as scipy.stats.spearmanr).
static double Spearman(double[] x, double[] y) => MathNet.Numerics.Statistics.Correlation.Spearman(x, y);

// stsb-en-*.csv: sentence1, sentence2, score (0–5), no header.
static List<(string A, string B, double Score)> ReadPairs(string path) =>
    [.. Csv.Read(path).Where(r => r.Count >= 3).Select(r => (r[0], r[1], double.Parse(r[2], CultureInfo.InvariantCulture)))];

