using System.Numerics.Tensors;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.TestSupport.Encoding;
using BlogSemanticIndex.Training;
using BlogSemanticIndex.Whitening;

namespace BlogSemanticIndex.Indexing.Tests;

/// <summary>
/// Pointing <c>Encoder:Model</c> at a folder <c>bsi finetune</c> wrote: the existing model-change path re-embeds every
/// chunk with it and retires the whitening fitted on the old vectors; a second fine-tune written over the same folder
/// is a new model too (its revision is the hash of its weights), so vectors of old and new weights never mix.
/// </summary>
public sealed class FineTunedModelSwitchTests(EncoderFixture encoder) : SqliteBlogTests(encoder), IDisposable
{
    private readonly List<string> folders = [];

    private static readonly SentencePair[] Pairs =
    [
        new("A man is playing a guitar.", "A man plays the guitar.", 5),
        new("A woman is slicing an onion.", "Someone is cutting an onion.", 4),
        new("A dog runs in the park.", "A cat sleeps on the sofa.", 0.5),
        new("Two kids are playing soccer.", "Children play football.", 4.2),
        new("The stock market fell today.", "A man is riding a horse.", 0),
        new("A plane is taking off.", "An airplane departs.", 4.8),
        new("A woman is dancing.", "A man is cooking pasta.", 0.2),
        new("The sun is shining.", "It is a sunny day.", 4.5),
    ];

    protected override async Task SeedAsync()
    {
        await H.InsertPostAsync(1, "Vectors", "<!--markdown-->Cosine distance between sentence vectors.", T - 900);
        await H.InsertPostAsync(2, "Chunks", "<!--markdown-->Long posts are cut into overlapping chunks.", T - 800);
        await H.InsertPostAsync(3, "Whitening", "<!--markdown-->Whitening makes the vector space isotropic.", T - 700);
        await H.PollAsync();
    }

    void IDisposable.Dispose()
    {
        foreach (var folder in folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string FineTune(int seed)
    {
        var output = Path.Combine(Path.GetTempPath(), "bsi-tests", $"finetuned-{Guid.NewGuid():N}");
        folders.Add(output);
        var baseModel = TestEncoders.ImportBuiltin(BuiltinModel.MiniLm);
        EncoderTrainer.Run(new FineTuneRun(baseModel.Folder, BuiltinModel.MiniLm.ModelId, baseModel.Revision, "pairs.tsv", Pairs, null, null, output,
            new FineTuneOptions { Epochs = 1, BatchSize = 4, MaxLength = 16, LearningRate = 5e-4, Warmup = 0, Seed = seed, Device = "cpu" }));
        return output;
    }

    [Fact]
    public async Task Switching_to_a_fine_tuned_folder_re_embeds_everything_and_a_retrained_folder_does_again()
    {
        var before = await H.EmbeddingRowsAsync();
        var miniLm = before[0].ModelId;
        await new WhiteningStore(H.Index.DataSource).FitAsync(miniLm, new WhiteningParameters(Beta: 1, Gamma: 0, Dims: 4), activate: true);
        var folder = FineTune(seed: 1);
        var options = new EncoderOptions { Model = folder, Device = "cpu", Precision = "fp32" };

        using (var tuned = SentenceEncoder.Create(options))
        {
            var result = await H.CreateIndexer(encoder: new SentenceEncoderAdapter(tuned)).RunOnceAsync();

            Assert.True(result.ModelChanged);
            Assert.Equal(before.Select(r => r.TextHash).Distinct().Count(), result.ChunksEmbedded);
            var stored = await StoredVectorsAsync();
            Assert.Equal(before.Count, stored.Count);
            Assert.All(stored, s => Assert.True(TensorPrimitives.CosineSimilarity(s.Vector, tuned.Encode([s.Text])[0]) >= 0.99999f, s.Text));
            Assert.Contains(stored, s => TensorPrimitives.CosineSimilarity(s.Vector, Encoder.Encoder.Encode([s.Text])[0]) < 0.9999f);
            // The whitening fitted on MiniLM's vectors no longer serves; the refit job fits one on the new vectors.
            Assert.Equal([null], await H.QueryAsync("SELECT whitening_version FROM active_index", r => r.IsDBNull(0) ? (int?)null : r.GetInt32(0)));
        }

        // A second fine-tune written over the same folder: same name, new revision, everything embedded again.
        File.Copy(Path.Combine(FineTune(seed: 2), "model.safetensors"), Path.Combine(folder, "model.safetensors"), overwrite: true);
        using var retuned = SentenceEncoder.Create(options);
        var again = await H.CreateIndexer(encoder: new SentenceEncoderAdapter(retuned)).RunOnceAsync();

        Assert.Equal(Path.GetFullPath(folder), retuned.Info.Name);
        Assert.True(again.ModelChanged);
        Assert.Equal(before.Select(r => r.TextHash).Distinct().Count(), again.ChunksEmbedded);
        Assert.All(await StoredVectorsAsync(), s => Assert.True(TensorPrimitives.CosineSimilarity(s.Vector, retuned.Encode([s.Text])[0]) >= 0.99999f, s.Text));
    }

    private Task<IReadOnlyList<(string Text, float[] Vector)>> StoredVectorsAsync() => H.QueryAsync("""
        SELECT c.text, e.embedding::real[] FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id
        JOIN active_index a ON a.model_id = e.model_id ORDER BY c.cid, c.ordinal
        """, r => (r.GetString(0), r.GetFieldValue<float[]>(1)));
}
