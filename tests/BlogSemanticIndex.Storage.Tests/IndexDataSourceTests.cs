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

    [Theory]
    [InlineData("Host=127.0.0.1;Database=bsi", "Disable")]
    [InlineData("Host=localhost;Database=bsi", "Disable")]
    [InlineData("Host=::1;Database=bsi", "Disable")]
    [InlineData("Host=127.0.0.1:5433,[::1]:5434;Database=bsi", "Disable")]
    [InlineData("Host=127.0.0.1;Database=bsi;SSL Mode=Require", "Require")]
    [InlineData("Host=127.0.0.1;Database=bsi;sslmode=prefer", "Prefer")]
    [InlineData("Host=db.example.org;Database=bsi", "Prefer")]
    [InlineData("Host=127.0.0.1,db.example.org;Database=bsi", "Prefer")]
    [InlineData("Host=/var/run/postgresql;Database=bsi", "Prefer")]
    public void Tls_is_left_out_only_for_a_loopback_server_whose_connection_string_sets_no_ssl_mode(string connectionString, string expected)
    {
        var effective = new NpgsqlConnectionStringBuilder(IndexDataSource.WithoutLoopbackTls(connectionString));

        Assert.Equal(Enum.Parse<SslMode>(expected), effective.SslMode);
        Assert.Equal(new NpgsqlConnectionStringBuilder(connectionString).Host, effective.Host);
    }

    [SkippableFact]
    public async Task A_connection_to_the_loopback_test_server_is_not_encrypted_unless_asked()
    {
        var server = new NpgsqlConnectionStringBuilder(TestIndexDatabase.ServerConnectionString);
        Skip.IfNot(server.Host is "127.0.0.1" or "localhost" or "::1" && !server.ConnectionString.Contains("ssl", StringComparison.OrdinalIgnoreCase),
            "BSI_TEST_PG names a server that is not on loopback, or sets an SSL Mode");
        await using var plain = IndexDataSource.Create(server.ConnectionString);
        Assert.False(await UsesTlsAsync(plain));

        await using var offered = plain.CreateCommand("SHOW ssl");
        if ((string)(await offered.ExecuteScalarAsync())! == "on")
        {
            // The server offers TLS, so the same string with an explicit Prefer is encrypted: the default above was a choice.
            await using var asked = IndexDataSource.Create(new NpgsqlConnectionStringBuilder(server.ConnectionString) { SslMode = SslMode.Prefer }.ConnectionString);
            Assert.True(await UsesTlsAsync(asked));
        }
    }

    private static async Task<bool> UsesTlsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
