using System.Text;

namespace BlogSemanticIndex.Search.Api;

/// <summary>Checks parameters on the raw query string, before the framework's lenient decoding.</summary>
internal static class RawQueryString
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Whether every value of parameter <paramref name="name"/> in <paramref name="queryString"/> (with or
    /// without the leading '?') percent-decodes to valid UTF-8. A missing parameter is valid.
    /// </summary>
    public static bool IsValidUtf8(string? queryString, string name)
    {
        if (string.IsNullOrEmpty(queryString))
        {
            return true;
        }
        foreach (var pair in queryString.TrimStart('?').Split('&'))
        {
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            if (!TryDecode(key, out var decodedKey) || decodedKey != name)
            {
                continue;
            }
            if (equals >= 0 && !TryDecode(pair[(equals + 1)..], out _))
            {
                return false;
            }
        }
        return true;
    }

    private static bool TryDecode(string encoded, out string decoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%' && i + 2 < encoded.Length && Uri.IsHexDigit(encoded[i + 1]) && Uri.IsHexDigit(encoded[i + 2]))
            {
                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        try
        {
            decoded = StrictUtf8.GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            decoded = "";
            return false;
        }
    }
}
