using System.Numerics;
using System.Runtime.InteropServices;

namespace BlogSemanticIndex.Whitening;

/// <summary>SIMD dot products for the hot loops (covariance accumulation and the query-time projection).</summary>
internal static class VectorMath
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..a.Length]);
        for (var i = 0; i < va.Length; i++)
        {
            sum += va[i] * vb[i];
        }
        var result = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            result += a[i] * b[i];
        }
        return result;
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = Vector<double>.Zero;
        var va = MemoryMarshal.Cast<double, Vector<double>>(a);
        var vb = MemoryMarshal.Cast<double, Vector<double>>(b[..a.Length]);
        for (var i = 0; i < va.Length; i++)
        {
            sum += va[i] * vb[i];
        }
        var result = Vector.Sum(sum);
        for (var i = va.Length * Vector<double>.Count; i < a.Length; i++)
        {
            result += a[i] * b[i];
        }
        return result;
    }

    /// <summary>Throws when a value is NaN or infinite; <paramref name="what"/> names the input in the message.</summary>
    public static void RequireFinite(ReadOnlySpan<float> values, string what)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{what} has a non-finite value ({values[i]}) at index {i}.");
            }
        }
    }
}
