namespace BlogSemanticIndex.Sources;

/// <summary>The database engine a Typecho blog runs on.</summary>
public enum BlogProvider
{
    MySql,
    Postgres,
    Sqlite,
}
