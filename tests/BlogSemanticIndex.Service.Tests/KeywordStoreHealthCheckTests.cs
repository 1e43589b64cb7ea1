using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlogSemanticIndex.Service.Tests;

public sealed class KeywordStoreHealthCheckTests
{
    [Fact]
    public async Task Reports_the_posts_the_keyword_index_holds()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var check = new KeywordStoreHealthCheck(database.DataSource, new IndexStoreOptions { ConnectionString = database.ConnectionString });
        var empty = await check.CheckHealthAsync(new HealthCheckContext());

        // What KeywordIndexWriter leaves behind for two posts of 10 and 30 terms (the triggers keep keyword_stats).
        await using (var command = database.DataSource.CreateCommand("""
            INSERT INTO posts (cid, type, title, created_at, modified_at, content_hash)
            VALUES (1, 'post', 'a', now(), now(), '\x00'), (2, 'post', 'b', now(), now(), '\x00');
            INSERT INTO keyword_docs (cid, length) VALUES (1, 10), (2, 30);
            """))
        {
            await command.ExecuteNonQueryAsync();
        }
        var two = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, empty.Status);
        Assert.Equal("keyword index empty", empty.Description);
        Assert.Equal(HealthStatus.Healthy, two.Status);
        Assert.Equal(2L, two.Data["posts"]);
        Assert.Equal(20.0, two.Data["meanLength"]);
    }

    [Fact]
    public async Task An_unmigrated_index_database_is_unhealthy_and_says_to_migrate()
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);
        var check = new KeywordStoreHealthCheck(database.DataSource, new IndexStoreOptions { ConnectionString = database.ConnectionString });

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("run bsi migrate", result.Description);
    }
}
