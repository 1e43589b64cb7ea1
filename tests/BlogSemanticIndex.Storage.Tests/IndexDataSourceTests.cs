using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;
using Npgsql;

namespace BlogSemanticIndex.Storage.Tests;

public sealed class IndexDataSourceTests
{
    [Fact]
    public async Task A_wrong_password_is_described_in_one_line_naming_the_role()
    {
        var wrong = new NpgsqlConnectionStringBuilder(TestIndexDatabase.ServerConnectionString) { Password = "not-the-password" }.ConnectionString;
        await using var dataSource = IndexDataSource.Create(wrong);

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await dataSource.OpenConnectionAsync());
        var message = IndexDataSource.DescribeConnectionFailure(wrong, error);

        Assert.Contains("wrong password", message);
        Assert.DoesNotContain("not-the-password", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public async Task An_unreachable_server_is_described_in_one_line()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var nowhere = new NpgsqlConnectionStringBuilder(TestIndexDatabase.ServerConnectionString) { Port = 1, Timeout = 3 }.ConnectionString;
        await using var dataSource = IndexDataSource.Create(nowhere);

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await dataSource.OpenConnectionAsync());

        Assert.StartsWith("cannot reach the index database", IndexDataSource.DescribeConnectionFailure(nowhere, error));
    }

    [Fact]
    public void An_empty_connection_string_names_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => IndexDataSource.Create(" "));
        Assert.Contains("IndexStore:ConnectionString", error.Message);
    }
}
