using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Service.Tests;

/// <summary><c>bsi status</c> names the model the stored vectors came from, the configured one, and whether they match.</summary>
public sealed class StatusModelTests
{
    [Fact]
    public async Task Status_says_when_stored_vectors_are_not_the_configured_models_and_when_they_are()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        await using (var insert = database.DataSource.CreateCommand("""
            WITH m AS (INSERT INTO encoder_models (name, revision, dimensions) VALUES ('builtin:minilm', 'an-older-revision', 384) RETURNING id)
            UPDATE active_index SET model_id = (SELECT id FROM m)
            """))
        {
            await insert.ExecuteNonQueryAsync();
        }
        var environment = ServeCommandTests.Environment(database.ConnectionString);
        var revision = BuiltinModel.MiniLm.EnsureImported().Revision;

        var stale = await BsiProcess.RunAsync(environment, "status");

        Assert.Equal(0, stale.ExitCode);
        Assert.Matches(@"model in use\s*│\s*builtin:minilm@an-older-revision", stale.Output);
        Assert.Matches($@"model configured\s*│\s*builtin:minilm@{revision}", stale.Output);
        Assert.Matches(@"stored vectors\s*│\s*from builtin:minilm@an-older-revision, not the configured model", stale.Output);

        await using (var update = database.DataSource.CreateCommand("UPDATE encoder_models SET revision = $1"))
        {
            update.Parameters.AddWithValue(revision);
            await update.ExecuteNonQueryAsync();
        }
        var current = await BsiProcess.RunAsync(environment, "status");

        Assert.Matches(@"stored vectors\s*│\s*match the configured model", current.Output);
    }

    [Fact]
    public async Task Status_names_a_configured_folder_that_does_not_exist_instead_of_failing()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var environment = ServeCommandTests.Environment(database.ConnectionString);
        environment["BSI__Encoder__Model"] = "/nonexistent/finetuned-model";

        var status = await BsiProcess.RunAsync(environment, "status");

        Assert.Equal(0, status.ExitCode);
        Assert.Matches(@"model configured\s*│\s*\(cannot be loaded: Encoder:Model '/nonexistent/finetuned-model' is neither", status.Output);
        Assert.Matches(@"stored vectors\s*│\s*none yet", status.Output);
    }
}
