using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BlogSemanticIndex.Analytics;

/// <summary>Query-string parameters as the HTTP APIs (analytics, search) read them, and the one shape of their 400 answer.</summary>
public static class ApiParameters
{
    /// <summary>A 400 naming the parameter, its reason in <c>detail</c> and in the validation errors.</summary>
    public static ValidationProblem Invalid(string parameter, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [parameter] = [message] },
            detail: message, title: $"Invalid parameter '{parameter}'", extensions: new Dictionary<string, object?> { ["parameter"] = parameter });

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; absent or blank means <paramref name="fallback"/>.</summary>
    public static bool TryParseBounded(string? value, int fallback, int min, int max, out int result)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            result = fallback;
            return true;
        }
        return int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;
    }
}
