namespace BlogSemanticIndex.Whitening;

/// <summary>A fit that cannot produce a usable transform (too few vectors, no variance, a wrong setting); the message says which.</summary>
public sealed class WhiteningFitException(string message) : Exception(message);
