namespace BlogSemanticIndex.Embedding;

/// <summary>What is loaded and how it runs, for <c>bsi model info</c>, logs and the index metadata.</summary>
public sealed record ModelInfo(
    string Name,
    string Revision,
    string Folder,
    string Architecture,
    int Dimensions,
    int MaxTokens,
    int Layers,
    int Heads,
    string Pooling,
    bool Normalized,
    string Device,
    string Precision,
    int Threads);
