using System.Globalization;
using nietras.SeparatedValues;

namespace BlogSemanticIndex.Training;

/// <summary>Two texts and how similar they are: 0/1 (paraphrase or not) or a graded score up to <see cref="SentencePairs.MaxLabel"/>.</summary>
public sealed record SentencePair(string Text1, string Text2, double Label);

/// <summary>A file of sentence pairs the input was refused for: names the file and row.</summary>
public sealed class SentencePairFormatException(string message) : Exception(message);

/// <summary>
/// Reads sentence-pair files: <c>text1, text2, label</c>, one pair per row. <c>*.csv</c> is RFC 4180 CSV (quoted fields,
/// as STS-B's <c>stsb-*.csv</c>); anything else (<c>*.tsv</c>, senteval_cn's <c>*.data</c>) is tab-separated without
/// quoting, so a quote inside a Chinese question stays text. A first row whose label is not a number is a header.
/// </summary>
public static class SentencePairs
{
    /// <summary>Labels run from 0 to this: binary sets use 0/1, STS-B 0–5.</summary>
    public const double MaxLabel = 5;

    /// <summary>Every pair of <paramref name="path"/>, or a <see cref="SentencePairFormatException"/> naming the first bad row.</summary>
    public static IReadOnlyList<SentencePair> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new SentencePairFormatException($"{path}: no such file.");
        }
        var csv = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        using var reader = Sep.New(csv ? ',' : '\t')
            .Reader(o => o with { HasHeader = false, Unescape = csv, DisableQuotesParsing = !csv, DisableColCountCheck = true })
            .FromFile(path);
        var pairs = new List<SentencePair>();
        foreach (var row in reader)
        {
            // The row's number, 1-based (Sep's LineNumberFrom reads 2 for a headerless file's first row).
            var where = $"{path}:{row.RowIndex + 1}";
            var columns = row.ColCount;
            if (columns == 1 && row.Span.Trim().IsEmpty)
            {
                continue;
            }
            if (columns != 3)
            {
                throw new SentencePairFormatException(
                    $"{where}: expected 3 columns (text1, text2, label) separated by {(csv ? "commas" : "tabs")}, found {columns}.");
            }
            var labelText = row[2].Span.Trim();
            if (!double.TryParse(labelText, NumberStyles.Float, CultureInfo.InvariantCulture, out var label))
            {
                if (pairs.Count == 0 && row.RowIndex == 0)
                {
                    continue; // a header row
                }
                throw new SentencePairFormatException($"{where}: the label '{labelText}' is not a number.");
            }
            if (!double.IsFinite(label) || label < 0 || label > MaxLabel)
            {
                throw new SentencePairFormatException($"{where}: the label {labelText} is out of range; allowed: 0 to {MaxLabel} (0/1 for binary sets).");
            }
            var text1 = row[0].ToString().Trim();
            var text2 = row[1].ToString().Trim();
            if (text1.Length == 0 || text2.Length == 0)
            {
                throw new SentencePairFormatException($"{where}: text{(text1.Length == 0 ? 1 : 2)} is empty.");
            }
            pairs.Add(new SentencePair(text1, text2, label));
        }
        if (pairs.Count == 0)
        {
            throw new SentencePairFormatException($"{path}: no sentence pairs.");
        }
        return pairs;
    }

    /// <summary>
    /// The divisor that maps this set's labels onto a cosine target in [0, 1] for the regression objective:
    /// 5 for graded sets (a label above 1 exists), 1 for binary ones.
    /// </summary>
    public static double LabelScale(IReadOnlyList<SentencePair> pairs) => pairs.Any(p => p.Label > 1) ? MaxLabel : 1;
}
