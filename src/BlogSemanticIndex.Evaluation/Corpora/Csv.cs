using nietras.SeparatedValues;

namespace BlogSemanticIndex.Evaluation.Corpora;

/// <summary>The public data sets' CSV files (RFC 4180: quoted fields may hold commas, doubled quotes and newlines), as rows of fields.</summary>
public static class Csv
{
    public static List<List<string>> Read(string path)
    {
        // No header (the STS-B files have none; callers skip SciFact's); rows may differ in width.
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromFile(path);
        var rows = new List<List<string>>();
        foreach (var row in reader)
        {
            var fields = new List<string>(row.ColCount);
            for (var i = 0; i < row.ColCount; i++)
            {
                fields.Add(row[i].ToString());
            }
            rows.Add(fields);
        }
        return rows;
    }
}
