namespace BlogSemanticIndex.Storage;

/// <summary>A chunk of a post as it is stored; <see cref="TextHash"/> is the SHA-256 of <see cref="Text"/>.</summary>
/// <param name="ScriptChars">JSON: letters per script and how many the encoder reads, <c>{"Han": [120, 0]}</c>; null when not measured.</param>
public sealed record ChunkRecord(int Ordinal, string Text, int CharStart, int CharEnd, int TokenCount, byte[] TextHash, string? ScriptChars = null);

/// <summary>
/// A visible post as it is stored. <see cref="ContentHash"/> covers everything the chunks were built
/// from, so an unchanged post can be recognised without chunking it again.
/// </summary>
public sealed record PostRecord(
    long Cid,
    string Type,
    string Title,
    string Slug,
    DateTimeOffset Created,
    DateTimeOffset Modified,
    byte[] ContentHash,
    IReadOnlyList<ChunkRecord> Chunks);

/// <summary>An encoder as the index knows it: vectors from different (name, revision) pairs are never mixed.</summary>
public sealed record EncoderModelRecord(int Id, string Name, string Revision, int Dimensions);

/// <summary>What the index holds for a post: when it was last modified and which content it was built from.</summary>
public readonly record struct IndexedPostStamp(long Cid, DateTimeOffset Modified, byte[] ContentHash);

/// <summary>Where the indexer stands in one source's change feed.</summary>
public readonly record struct IndexWatermark(long Time, long Cid);
