using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace BlogSemanticIndex.Sources;

public static class TypechoSourceFactory
{
    /// <summary>
    /// The source for <paramref name="options"/>, with a data source of the right driver. SQLite files are always
    /// opened read-only and without pooling: a file replaced by a rename (a restore, a copy from another machine) is
    /// read from its new inode on the next call, where a pooled connection would go on reading the deleted one.
    /// Opening a SQLite file costs microseconds. Throws <see cref="ArgumentException"/> naming each invalid setting.
    /// </summary>
    public static ITypechoSource Create(BlogSourceOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        DbDataSource dataSource = options.ResolveProvider() switch
        {
            BlogProvider.MySql => new MySqlDataSource(options.ConnectionString),
            BlogProvider.Postgres => NpgsqlDataSource.Create(options.ConnectionString),
            _ => SqliteFactory.Instance.CreateDataSource(
                new SqliteConnectionStringBuilder(options.ConnectionString) { Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString),
        };
        return new TypechoSource(dataSource, options, timeProvider);
    }
}
