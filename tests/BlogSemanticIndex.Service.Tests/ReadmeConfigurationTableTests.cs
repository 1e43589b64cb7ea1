using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using BlogSemanticIndex.Analytics;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Sources;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Text;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Configuration;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// The README's configuration table is what operators read: every option of every section must be in it, and each default it
/// states must be the one the options class has, so the documentation cannot drift from the code again.
/// </summary>
public sealed partial class ReadmeConfigurationTableTests
{
    private static readonly Type[] OptionsTypes =
    [
        typeof(IndexStoreOptions), typeof(EncoderOptions), typeof(BlogSourceOptions), typeof(TextExtractionOptions),
        typeof(ChunkerOptions), typeof(WhiteningOptions), typeof(IndexerOptions), typeof(AdminOptions), typeof(SearchOptions),
        typeof(AnalyticsOptions), typeof(MetricsOptions),
    ];

    /// <summary>Rows whose default is a description rather than a value, with the reason it cannot be a literal.</summary>
    private static readonly Dictionary<string, string> DescribedDefaults = new()
    {
        ["IndexStore:MigrationsPath"] = "resolved beside the binary at run time",
        ["Blog:Provider"] = "inferred from the connection string",
        ["Blog:ConnectionString"] = "required, no default",
    };

    /// <summary>Settings read straight from configuration, not through an options class.</summary>
    private static readonly HashSet<string> NotOptionsClasses = ["Urls", "Serilog", "Http:TrustedProxies"];

    [Fact]
    public void Every_option_is_documented_with_its_real_default()
    {
        var rows = ReadTable();
        var problems = new List<string>();
        var documented = new HashSet<string>();

        foreach (var (keys, defaults) in rows)
        {
            documented.UnionWith(keys);
            if (keys.All(NotOptionsClasses.Contains))
            {
                continue;
            }
            var values = SplitDefaults(defaults, keys.Length);
            if (values is null)
            {
                problems.Add($"{string.Join(", ", keys)}: {keys.Length} keys but the default cell '{defaults}' does not split into {keys.Length} values");
                continue;
            }
            for (var i = 0; i < keys.Length; i++)
            {
                var property = FindProperty(keys[i]);
                if (property is null)
                {
                    problems.Add($"{keys[i]}: documented, but no options class has it");
                    continue;
                }
                if (DescribedDefaults.ContainsKey(keys[i]))
                {
                    continue;
                }
                var actual = property.GetValue(ShippedDefaults(property.DeclaringType!));
                if (!SameDefault(values[i], actual, property.PropertyType))
                {
                    problems.Add($"{keys[i]}: README says '{values[i]}', the code's default is '{Format(actual)}'");
                }
            }
        }

        foreach (var type in OptionsTypes)
        {
            var section = (string)type.GetField("SectionName")!.GetValue(null)!;
            foreach (var property in SettableProperties(type))
            {
                if (!documented.Contains($"{section}:{property.Name}"))
                {
                    problems.Add($"{section}:{property.Name}: an option the README's configuration table does not list");
                }
            }
        }

        Assert.True(problems.Count == 0, "README configuration table vs the options classes:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void A_wrong_default_in_the_table_is_reported()
    {
        // The comparison itself must be able to fail: the README once said RetryAttempts 6 while the code had 8.
        Assert.False(SameDefault("6", 8, typeof(int)));
        Assert.False(SameDefault("`00:00:10`", TimeSpan.FromSeconds(30), typeof(TimeSpan)));
        Assert.False(SameDefault("`false`", true, typeof(bool)));
        Assert.True(SameDefault("2,000,000", 2_000_000, typeof(int)));
        Assert.True(SameDefault("30 s", TimeSpan.FromSeconds(30), typeof(TimeSpan)));
        Assert.True(SameDefault("empty", "", typeof(string)));
    }

    private static List<(string[] Keys, string Default)> ReadTable()
    {
        var readme = File.ReadAllLines(FindReadme());
        var start = Array.FindIndex(readme, l => l.StartsWith("## Configuration", StringComparison.Ordinal));
        Assert.True(start >= 0, "README has no '## Configuration' section");
        var rows = new List<(string[], string)>();
        for (var i = start + 1; i < readme.Length && !readme[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            var cells = readme[i].Split('|');
            if (cells.Length < 4 || !cells[1].TrimStart().StartsWith('`'))
            {
                continue;
            }
            var keys = BacktickedRegex().Matches(cells[1]).Select(m => m.Groups[1].Value).ToArray();
            rows.Add((keys, cells[2].Trim()));
        }
        Assert.True(rows.Count > 30, $"only {rows.Count} rows read from the README's configuration table");
        return rows;
    }

    /// <summary>"6, 1 s, 30 s" or "`00:00:30` / empty" into one value per key; one key keeps the whole cell.</summary>
    private static string[]? SplitDefaults(string cell, int keys)
    {
        if (keys == 1)
        {
            return [cell];
        }
        foreach (var separator in new[] { " / ", ", " })
        {
            var parts = cell.Split(separator);
            if (parts.Length == keys)
            {
                return parts.Select(p => p.Trim()).ToArray();
            }
        }
        return null;
    }

    /// <summary>What an operator gets without settings of their own: the class's defaults under the shipped appsettings.json.</summary>
    private static object ShippedDefaults(Type type)
    {
        var shipped = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Path.GetDirectoryName(FindReadme())!, "src", "BlogSemanticIndex.Service", "appsettings.json"))
            .Build();
        var options = Activator.CreateInstance(type)!;
        shipped.GetSection((string)type.GetField("SectionName")!.GetValue(null)!).Bind(options);
        return options;
    }

    private static PropertyInfo? FindProperty(string key)
    {
        var colon = key.IndexOf(':');
        if (colon < 0)
        {
            return null;
        }
        var type = OptionsTypes.FirstOrDefault(t => (string)t.GetField("SectionName")!.GetValue(null)! == key[..colon]);
        return type is null ? null : SettableProperties(type).FirstOrDefault(p => p.Name == key[(colon + 1)..]);
    }

    private static IEnumerable<PropertyInfo> SettableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    internal static bool SameDefault(string documented, object? actual, Type type)
    {
        var text = documented.Replace("`", "").Trim();
        if (text is "empty" or "none")
        {
            text = "";
        }
        if (type == typeof(string))
        {
            return text == ((string?)actual ?? "");
        }
        if (type == typeof(string[]))
        {
            return text == string.Join(", ", (string[])actual!);
        }
        if (type == typeof(bool))
        {
            return bool.TryParse(text, out var b) && b == (bool)actual!;
        }
        if (type == typeof(TimeSpan))
        {
            var seconds = SecondsRegex().Match(text);
            var parsed = seconds.Success
                ? TimeSpan.FromSeconds(double.Parse(seconds.Groups[1].Value, CultureInfo.InvariantCulture))
                : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var t) ? t : (TimeSpan?)null;
            return parsed == (TimeSpan)actual!;
        }
        return double.TryParse(text.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && number == Convert.ToDouble(actual, CultureInfo.InvariantCulture);
    }

    private static string Format(object? value) => value switch
    {
        string[] list => string.Join(", ", list),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };

    private static string FindReadme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "BlogSemanticIndex.sln")))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("README.md beside BlogSemanticIndex.sln was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("`([A-Za-z]+(?::[A-Za-z]+)?)`")]
    private static partial Regex BacktickedRegex();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?) s$")]
    private static partial Regex SecondsRegex();
}
