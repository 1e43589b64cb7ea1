namespace BlogSemanticIndex.ModelHub;

/// <summary>A model could not be pulled or resolved; the message says what to do about it.</summary>
public class HubException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The model (at that revision) is not in the local cache, and the hub may not or could not be asked.</summary>
public sealed class ModelNotCachedException(string message) : HubException(message);

/// <summary>A downloaded file does not have the size or hash the hub announced; nothing of it was kept.</summary>
public sealed class HubIntegrityException(string message) : HubException(message);
