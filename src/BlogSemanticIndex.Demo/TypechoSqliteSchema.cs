using Microsoft.Data.Sqlite;

namespace BlogSemanticIndex.Demo;

/// <summary>The three Typecho tables the indexer reads, as Typecho's SQLite installer creates them (same columns and types).</summary>
public static class TypechoSqliteSchema
{
    public static void Create(SqliteConnection connection, string prefix = "typecho_")
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE "{prefix}contents" (
              "cid" INTEGER NOT NULL PRIMARY KEY,
              "title" varchar(150) default NULL,
              "slug" varchar(150) default NULL,
              "created" int(10) default '0',
              "modified" int(10) default '0',
              "text" text,
              "order" int(10) default '0',
              "authorId" int(10) default '0',
              "template" varchar(32) default NULL,
              "type" varchar(16) default 'post',
              "status" varchar(16) default 'publish',
              "password" varchar(32) default NULL,
              "commentsNum" int(10) default '0',
              "allowComment" char(1) default '0',
              "allowPing" char(1) default '0',
              "allowFeed" char(1) default '0',
              "parent" int(10) default '0'
            );
            CREATE UNIQUE INDEX "{prefix}contents_slug" ON "{prefix}contents" ("slug");
            CREATE INDEX "{prefix}contents_created" ON "{prefix}contents" ("created");
            CREATE TABLE "{prefix}metas" (
              "mid" INTEGER NOT NULL PRIMARY KEY,
              "name" varchar(150) default NULL,
              "slug" varchar(150) default NULL,
              "type" varchar(32) NOT NULL,
              "description" varchar(150) default NULL,
              "count" int(10) default '0',
              "order" int(10) default '0',
              "parent" int(10) default '0'
            );
            CREATE TABLE "{prefix}relationships" (
              "cid" int(10) NOT NULL,
              "mid" int(10) NOT NULL
            );
            CREATE UNIQUE INDEX "{prefix}relationships_cid_mid" ON "{prefix}relationships" ("cid", "mid");
            """;
        command.ExecuteNonQuery();
    }
}
