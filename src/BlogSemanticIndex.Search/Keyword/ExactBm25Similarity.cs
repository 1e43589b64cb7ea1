using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// BM25 exactly as <see cref="KeywordSearcher"/> scores it in PostgreSQL: k1 0.9, b 0.4, idf
/// <c>ln(1 + (N - df + 0.5) / (df + 0.5))</c>, a query term's weight times its count in the query (the clause's boost).
/// </summary>
/// <remarks>
/// Lucene's own <see cref="BM25Similarity"/> stores a document's length in one byte (lengths are rounded to about 12%
/// of their value), so its ranking differs from exhaustive BM25; this one stores the exact length as the norm (the
/// norms format keeps 64-bit values) and has no coord or query normalisation. The per-term score is still a float in
/// Lucene's API, so <see cref="LuceneKeywordIndex"/> takes a band of candidates by these scores and ranks it by the
/// exact double scores.
/// </remarks>
internal sealed class ExactBm25Similarity : Similarity
{
    public static readonly ExactBm25Similarity Instance = new();

    /// <summary>The number of terms in the field (each posting's term repeated tf times), unrounded.</summary>
    public override long ComputeNorm(FieldInvertState state) => state.Length;

    public override SimWeight ComputeWeight(float queryBoost, CollectionStatistics collectionStats, params TermStatistics[] termStats)
    {
        var documents = (double)collectionStats.DocCount;
        var idf = termStats.Sum(t => Math.Log(1 + (documents - t.DocFreq + 0.5) / (t.DocFreq + 0.5)));
        return new Bm25Weight(collectionStats.Field, queryBoost * idf, AverageLength(collectionStats.DocCount, collectionStats.SumTotalTermFreq));
    }

    public override SimScorer GetSimScorer(SimWeight weight, AtomicReaderContext context)
    {
        var bm25 = (Bm25Weight)weight;
        return new Bm25Scorer(bm25, context.AtomicReader.GetNormValues(bm25.Field));
    }

    /// <summary>The mean document length, as PostgreSQL computes it (1 for an empty index).</summary>
    public static double AverageLength(long documents, long totalLength) => documents > 0 ? (double)totalLength / documents : 1;

    /// <summary>One posting's score, written as KeywordSearcher's SQL writes it so both round alike.</summary>
    public static double Score(double weight, double tf, long length, double averageLength) =>
        weight * tf * (KeywordSearcher.K1 + 1) / (tf + KeywordSearcher.K1 * (1 - KeywordSearcher.B + KeywordSearcher.B * length / averageLength));

    private sealed class Bm25Weight(string field, double weight, double averageLength) : SimWeight
    {
        public string Field { get; } = field;

        public double Weight { get; private set; } = weight;

        public double AverageLength { get; } = averageLength;

        public override float GetValueForNormalization() => (float)(Weight * Weight);

        // Query normalisation is 1 (Similarity's default); a top-level boost multiplies, as in Lucene's BM25.
        public override void Normalize(float queryNorm, float topLevelBoost) => Weight *= topLevelBoost;
    }

    private sealed class Bm25Scorer(Bm25Weight weight, NumericDocValues? norms) : SimScorer
    {
        public override float Score(int doc, float freq) =>
            (float)ExactBm25Similarity.Score(weight.Weight, freq, norms?.Get(doc) ?? 0, weight.AverageLength);

        public override float ComputeSlopFactor(int distance) => 1;

        public override float ComputePayloadFactor(int doc, int start, int end, Lucene.Net.Util.BytesRef payload) => 1;
    }
}
