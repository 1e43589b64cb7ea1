using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace BlogSemanticIndex.Search.Vectors;

/// <summary>
/// Two calls of USearch's C API that its .NET binding (<c>Cloud.Unum.USearch</c> 2.26.6) does not expose, made on the
/// binding's own index handle: reserving capacity ahead (the binding grows a full index by exactly the vectors added,
/// so every later add would copy the whole graph), and setting the search's candidate list of an index loaded from a
/// file (the binding loads it with USearch's default of 64).
/// </summary>
internal static class USearchNative
{
    private const string Library = "usearch_c";

    // The binding keeps the C handle in this private field; a binding that renamed it fails here, at the first build.
    private static readonly FieldInfo Handle = typeof(USearchIndex).GetField("_index", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException(typeof(USearchIndex).FullName, "_index");

    /// <summary>Makes room for <paramref name="capacity"/> vectors (no-op when there is room already).</summary>
    public static void Reserve(USearchIndex index, ulong capacity)
    {
        usearch_reserve(HandleOf(index), (nuint)capacity, out var error);
        ThrowIfError(error);
    }

    public static void SetExpansionSearch(USearchIndex index, ulong expansion)
    {
        usearch_change_expansion_search(HandleOf(index), (nuint)expansion, out var error);
        ThrowIfError(error);
    }

    private static nint HandleOf(USearchIndex index) => (nint)Handle.GetValue(index)!;

    private static void ThrowIfError(nint error)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"USearch: {Marshal.PtrToStringUTF8(error)}");
        }
    }

    [DllImport(Library)]
    private static extern void usearch_reserve(nint index, nuint capacity, out nint error);

    [DllImport(Library)]
    private static extern void usearch_change_expansion_search(nint index, nuint expansion, out nint error);
}
