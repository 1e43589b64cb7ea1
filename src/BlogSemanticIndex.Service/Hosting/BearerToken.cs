using System.Security.Cryptography;
using System.Text;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>The <c>Authorization: Bearer …</c> check shared by the admin API and <c>/metrics</c>.</summary>
internal static class BearerToken
{
    /// <summary>Whether the request carries <paramref name="expected"/> as its bearer token.</summary>
    public static bool IsPresented(HttpRequest request, string expected)
    {
        var header = request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : "";
        // Constant-time, so the token cannot be guessed byte by byte from response times.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
    }
}
