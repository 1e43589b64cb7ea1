namespace BlogSemanticIndex.Tokenization;

/// <summary>Placeholder, filled from the code-point sweep.</summary>
internal static class UnicodeVersionGap
{
    public static bool IsUnassignedInReference(int c) => false;
}
