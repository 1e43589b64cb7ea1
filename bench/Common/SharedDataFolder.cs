/// <summary>
/// Finds an evaluation set under <c>../shared/data/</c> beside the repository (the development machines' read-only
/// data folder), walking up from the current folder; compiled into the benchmarks that read one.
/// </summary>
internal static class SharedDataFolder
{
    /// <param name="name">The set's folder under shared/data, e.g. <c>scifact</c>.</param>
    /// <param name="marker">A file the folder must hold.</param>
    public static string Find(string name, string marker)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "data", name);
            if (File.Exists(Path.Combine(candidate, marker)))
            {
                return Path.GetFullPath(candidate);
            }
        }
        throw new DirectoryNotFoundException($"../shared/data/{name} not found above the current folder; pass --data <folder with {marker}>.");
    }
}
