namespace BlogSemanticIndex.ModelHub.Tests;

public class HubOptionsTests
{
    [Fact]
    public void FromEnvironment_Defaults_AreHuggingFaceAndHomeCache()
    {
        var options = HubOptions.FromEnvironment(_ => null);

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal("https://huggingface.co", options.Endpoint);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), options.CacheDirectory);
        Assert.Null(options.Token);
        Assert.False(options.Offline);
    }

    [Fact]
    public void FromEnvironment_HubCacheWinsOverHome_AndOfflineAcceptsTrueWords()
    {
        var environment = new Dictionary<string, string>
        {
            ["HF_HOME"] = "/data/hf",
            ["HF_HUB_CACHE"] = "/fast/hub",
            ["HF_HUB_OFFLINE"] = "True",
            ["XDG_CACHE_HOME"] = "/xdg",
        };

        var options = HubOptions.FromEnvironment(name => environment.GetValueOrDefault(name));

        Assert.Equal("/fast/hub", options.CacheDirectory);
        Assert.True(options.Offline);
    }

    [Fact]
    public void FromEnvironment_XdgCacheHome_PlacesTheDefaultHome()
    {
        var options = HubOptions.FromEnvironment(name => name == "XDG_CACHE_HOME" ? "/xdg" : null);

        Assert.Equal("/xdg/huggingface/hub", options.CacheDirectory);
    }

    [Fact]
    public void FromEnvironment_BadEndpoint_NamesTheVariable()
    {
        var error = Assert.Throws<ArgumentException>(() => HubOptions.FromEnvironment(name => name == "HF_ENDPOINT" ? "hf-mirror.com" : null));

        Assert.Contains("HF_ENDPOINT", error.Message);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b/c")]
    [InlineData("/abs")]
    [InlineData("a--b")]
    public void RepoId_PathLikeValues_AreRejected(string repoId)
    {
        Assert.Throws<ArgumentException>(() => new ModelCache("/tmp/x").RepoFolder(repoId));
    }
}
