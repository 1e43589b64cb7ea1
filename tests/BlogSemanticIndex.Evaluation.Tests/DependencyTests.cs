using System.Reflection;

namespace BlogSemanticIndex.Evaluation.Tests;

public sealed class DependencyTests
{
    [Fact]
    public void Evaluation_and_the_search_core_reach_no_ASP_NET_assembly()
    {
        // Walks the references from the evaluation library through every project assembly it loads (the search core,
        // whitening, storage, …); the HTTP API lives in BlogSemanticIndex.Search.Api, which none of them may need.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<AssemblyName>([typeof(RankingMetrics).Assembly.GetName()]);
        var aspNet = new List<string>();
        while (pending.TryDequeue(out var name))
        {
            if (!seen.Add(name.Name!))
            {
                continue;
            }
            if (name.Name!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || name.Name == "BlogSemanticIndex.Search.Api")
            {
                aspNet.Add(name.Name);
                continue;
            }
            if (name.Name.StartsWith("BlogSemanticIndex.", StringComparison.Ordinal))
            {
                foreach (var reference in Assembly.Load(name).GetReferencedAssemblies())
                {
                    pending.Enqueue(reference);
                }
            }
        }
        Assert.Empty(aspNet);
        Assert.Contains("BlogSemanticIndex.Search", seen);
    }
}
