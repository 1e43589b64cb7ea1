namespace BlogSemanticIndex.Sources.Tests;

public sealed class BlogSourceOptionsTests
{
    [Theory]
    [InlineData("Server=127.0.0.1;Port=3306;User ID=typecho;Password=x;Database=typecho", BlogProvider.MySql)]
    [InlineData("Server=db;Uid=typecho;Pwd=x;Database=typecho", BlogProvider.MySql)]
    [InlineData("Host=127.0.0.1;Username=typecho;Password=x;Database=typecho", BlogProvider.Postgres)]
    [InlineData("Server=db;Port=5432;User ID=typecho;Database=typecho", BlogProvider.Postgres)]
    [InlineData("Data Source=/var/www/usr/typecho.db", BlogProvider.Sqlite)]
    [InlineData("Filename=blog.db", BlogProvider.Sqlite)]
    public void Provider_is_inferred_from_the_connection_string(string connectionString, BlogProvider expected)
    {
        var options = new BlogSourceOptions { ConnectionString = connectionString };

        Assert.Equal(expected, options.ResolveProvider());
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("MariaDB", BlogProvider.MySql)]
    [InlineData("postgresql", BlogProvider.Postgres)]
    [InlineData("SQLite", BlogProvider.Sqlite)]
    public void Explicit_provider_wins(string provider, BlogProvider expected)
    {
        var options = new BlogSourceOptions { Provider = provider, ConnectionString = "Data Source=x" };

        Assert.Equal(expected, options.ResolveProvider());
    }

    [Fact]
    public void Unknown_provider_lists_the_allowed_values()
    {
        var options = new BlogSourceOptions { Provider = "oracle", ConnectionString = "Data Source=x" };

        var error = Assert.Single(options.Validate());

        Assert.Contains("Blog:Provider", error);
        Assert.Contains("mysql, mariadb, postgres, postgresql, sqlite", error);
    }

    [Fact]
    public void Ambiguous_connection_string_asks_for_the_provider()
    {
        var options = new BlogSourceOptions { ConnectionString = "Database=typecho;Password=x" };

        Assert.Contains(options.Validate(), e => e.Contains("Blog:Provider is empty"));
    }

    [Theory]
    [InlineData("typecho_; DROP TABLE x; --")]
    [InlineData("typecho`")]
    [InlineData("typecho\"")]
    [InlineData("ty pecho_")]
    [InlineData("类型_")]
    public void Table_prefix_with_non_identifier_characters_is_rejected(string prefix)
    {
        var options = new BlogSourceOptions { ConnectionString = "Data Source=blog.db", TablePrefix = prefix };

        Assert.Contains(options.Validate(), e => e.Contains("Blog:TablePrefix"));
        Assert.Throws<ArgumentException>(() => TypechoSourceFactory.Create(options));
    }

    [Theory]
    [InlineData("typecho_")]
    [InlineData("")]
    [InlineData("Blog2_")]
    public void Identifier_table_prefixes_are_accepted(string prefix)
    {
        Assert.True(BlogSourceOptions.IsValidTablePrefix(prefix));
    }

    [Fact]
    public void Empty_connection_string_names_the_setting()
    {
        var error = Assert.Single(new BlogSourceOptions().Validate());

        Assert.Contains("Blog:ConnectionString", error);
    }
}
