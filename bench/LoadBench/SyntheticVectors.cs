namespace LoadBench;

/// <summary>
/// Vectors for the chunks past the encoded ones, so that the index can be grown to sizes this CPU cannot encode in a
/// session (it embeds ~125 chunks/s: 1M chunks would take two hours).
/// </summary>
/// <remarks>
/// The corpus writes every source again past its first pass, with its sentences in another order: a later chunk holds
/// sentences of the same source as the encoded chunks of that source. Its synthetic vector is a random convex mixture
/// (flat Dirichlet weights) of two or three encoded chunks of the same source, moved along the difference of two other
/// encoded chunks (a direction real vectors vary in, not isotropic noise the encoder never produces), normalised. How far
/// it is moved is calibrated so that a synthetic chunk is as close to the nearest encoded chunk of its source, on average,
/// as an encoded chunk is to the nearest other one: a mixture alone sits much closer (0.97 against 0.83 on LoadBench's
/// corpus), which would crowd each source's neighbourhood with near-duplicates. Costs (HNSW, BM25, substring) are what
/// such a table measures; quality numbers are not.
/// </remarks>
internal sealed class SyntheticVectors
{
    private const int CalibrationSample = 2000;

    private readonly float[][] encoded;
    private readonly int[] sourceOfChunk;
    private readonly Dictionary<int, int[]> encodedOfSource;

    private SyntheticVectors(Corpus corpus, float[][] encoded)
    {
        this.encoded = encoded;
        sourceOfChunk = corpus.Posts.SelectMany(p => p.Chunks.Select(_ => p.Source)).ToArray();
        encodedOfSource = Enumerable.Range(0, encoded.Length).GroupBy(i => sourceOfChunk[i]).ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>How the synthetic vectors were placed.</summary>
    /// <param name="Step">How far they were moved from their mixtures.</param>
    /// <param name="EncodedNearest">Mean cosine of an encoded chunk to the nearest other encoded chunk of its source: the target.</param>
    /// <param name="SyntheticNearest">The same figure for the synthetic chunks, at <paramref name="Step"/>.</param>
    /// <param name="SourcesWithTwoEncoded">Sources with two or more encoded chunks (a mixture of one is that chunk).</param>
    /// <param name="Sources">Sources in the corpus.</param>
    public sealed record Calibration(float Step, double EncodedNearest, double SyntheticNearest, int SourcesWithTwoEncoded, int Sources);

    /// <param name="encoded">Vectors of the corpus's first chunks, in the corpus's order.</param>
    /// <returns>All the corpus's vectors: the encoded ones, then one synthetic vector per remaining chunk.</returns>
    public static (float[][] Vectors, Calibration Calibration) Extend(Corpus corpus, float[][] encoded, int seed = 2026)
    {
        var synthetic = new SyntheticVectors(corpus, encoded);
        // Every source needs encoded chunks to mix: the encoded part must hold the corpus's first pass over its sources.
        var sourcesSeen = new HashSet<int>();
        var firstPass = 0;
        var chunks = 0;
        foreach (var post in corpus.Posts)
        {
            chunks += post.Chunks.Count;
            if (sourcesSeen.Add(post.Source))
            {
                firstPass = chunks;
            }
        }
        if (encoded.Length < firstPass)
        {
            throw new ArgumentException($"--encoded-chunks {encoded.Length} leaves sources without an encoded chunk to mix; encode at least the corpus's first pass, {firstPass} chunks.");
        }
        var random = new Random(seed);
        var sample = Enumerable.Range(0, CalibrationSample).Select(_ => random.Next(encoded.Length, synthetic.sourceOfChunk.Length)).ToArray();
        var target = Enumerable.Range(0, CalibrationSample).Select(_ => random.Next(encoded.Length))
            .Select(i => synthetic.NearestEncoded(i, encoded[i])).Where(c => !double.IsNaN(c)).Average();
        double SampleMean(float step) =>
            sample.Select(i => synthetic.NearestEncoded(i, synthetic.Synthesize(i, seed, step))).Where(c => !double.IsNaN(c)).Average();
        // Bisection on the step: the mean nearest cosine falls as the step grows.
        float low = 0, high = 4;
        for (var round = 0; round < 24; round++)
        {
            var middle = (low + high) / 2;
            (low, high) = SampleMean(middle) > target ? (middle, high) : (low, middle);
        }
        var step = (low + high) / 2;
        var vectors = new float[synthetic.sourceOfChunk.Length][];
        Array.Copy(encoded, vectors, encoded.Length);
        Parallel.For(encoded.Length, vectors.Length, i => vectors[i] = synthetic.Synthesize(i, seed, step));
        return (vectors, new Calibration(step, target, SampleMean(step),
            synthetic.encodedOfSource.Count(source => source.Value.Length > 1), sourcesSeen.Count));
    }

    private float[] Synthesize(int chunk, int seed, float step)
    {
        // The chunk's own index seeds its random sequence, so calibration and generation draw the same mixture and direction.
        var random = new Random(seed + chunk);
        var own = encodedOfSource.GetValueOrDefault(sourceOfChunk[chunk], []);
        // A source with fewer than two encoded chunks borrows components from anywhere, so that no synthetic vector is a copy.
        int[] pool = own.Length > 1 ? own : [.. own, random.Next(encoded.Length), random.Next(encoded.Length)];
        var vector = new float[encoded[0].Length];
        foreach (var member in pool.OrderBy(_ => random.Next()).Take(Math.Min(pool.Length, 2 + random.Next(2))))
        {
            Add(vector, encoded[member], (float)-Math.Log(1 - random.NextDouble()));
        }
        Normalise(vector);
        var direction = new float[vector.Length];
        var from = random.Next(encoded.Length);
        var to = (from + 1 + random.Next(encoded.Length - 1)) % encoded.Length;
        Add(direction, encoded[from], 1);
        Add(direction, encoded[to], -1);
        Normalise(direction);
        Add(vector, direction, step);
        Normalise(vector);
        return vector;
    }

    private double NearestEncoded(int chunk, float[] vector)
    {
        var others = encodedOfSource.GetValueOrDefault(sourceOfChunk[chunk], []).Where(j => j != chunk).ToList();
        return others.Count == 0 ? double.NaN : others.Max(j => Cosine(vector, encoded[j]));
    }

    private static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

    private static void Add(float[] into, float[] vector, float weight)
    {
        for (var d = 0; d < into.Length; d++)
        {
            into[d] += weight * vector[d];
        }
    }

    private static void Normalise(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var d = 0; d < vector.Length; d++)
        {
            vector[d] /= norm;
        }
    }
}
