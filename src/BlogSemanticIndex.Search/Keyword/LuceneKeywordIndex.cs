using System.Collections.Concurrent;
using System.Globalization;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;
using BlogSemanticIndex.Search.NodeIndexes;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>A post's keyword statistics as <c>keyword_docs</c> and <c>keyword_postings</c> hold them.</summary>
public sealed record KeywordDocument(long Cid, int Length, IReadOnlyList<(string Term, int Tf)> Postings);

/// <summary>
/// This node's Lucene.NET copy of the keyword statistics (in memory), derived from PostgreSQL, the store of record,
/// by <see cref="KeywordIndexSync"/>: built whole at start, then kept current from the change sequence
/// (<c>keyword_changes</c>, migration V012). Ranks exactly as the exhaustive BM25 in PostgreSQL does.
/// </summary>
/// <remarks>
/// Documents are built from the postings, not from the text: each term repeated tf times, so term frequencies and
/// document lengths are the store's own (the overlap-free chunk text the indexer analysed with
/// <see cref="TextAnalyzer"/>), with nothing re-analysed on this node. Document frequencies and the corpus size come
/// from live documents only (<see cref="LiveStatisticsSearcher"/>): Lucene's own statistics count replaced and
/// deleted documents until a merge removes them.
/// </remarks>
public sealed class LuceneKeywordIndex : NodeIndex, IDisposable
{
    private const string TextField = "text";
    private const string IdField = "id";
    private const string CidField = "cid";
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;

    /// <summary>Relative width of the band of float scores ranked again in double (far above float's 6e-8 rounding per term).</summary>
    private const double ScoreBand = 1e-4;

    private static readonly FieldType TermsFieldType = CreateTermsFieldType();

    private readonly System.Threading.Lock _swap = new();
    private State? _state;

    private sealed record State(IndexWriter Writer, SearcherManager Searchers);

    public override string Name => "keyword index";

    public override string FallbackWhileBuilding => "keyword ranking runs in PostgreSQL";

    public override bool IsReady => Volatile.Read(ref _state) is not null;

    public override (string Unit, int Count) Size => ("posts", Documents);

    /// <summary>Posts in the index (live documents of the current snapshot).</summary>
    public int Documents { get; private set; }

    /// <summary>
    /// Replaces the whole index by <paramref name="documents"/>, the store at the generation <paramref name="generation"/>
    /// returns once they are read; searches go on meanwhile.
    /// </summary>
    public async Task RebuildAsync(IAsyncEnumerable<KeywordDocument> documents, Func<long> generation, CancellationToken cancellationToken)
    {
        var config = new IndexWriterConfig(Version, analyzer: null)
        {
            OpenMode = OpenMode.CREATE,
            Similarity = ExactBm25Similarity.Instance,
            RAMBufferSizeMB = 64,
        };
        var writer = new IndexWriter(new RAMDirectory(), config);
        try
        {
            await foreach (var document in documents.WithCancellation(cancellationToken))
            {
                writer.AddDocument(ToLucene(document));
            }
            writer.ForceMerge(1);
            var state = new State(writer, new SearcherManager(writer, applyAllDeletes: true, new LiveStatisticsSearcherFactory()));
            State? old;
            lock (_swap)
            {
                old = _state;
                _state = state;
                AppliedGeneration = generation();
                Documents = CountDocuments(state);
            }
            // Searches that acquired the old snapshot keep its readers open until they release them.
            if (old is not null)
            {
                old.Searchers.Dispose();
                old.Writer.Dispose();
            }
        }
        catch
        {
            if (!ReferenceEquals(_state?.Writer, writer))
            {
                writer.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Applies one batch of the change sequence: each of <paramref name="changedCids"/> is replaced by its document in
    /// <paramref name="documents"/> or, when it has none (hidden or deleted), removed; then searches see the store at
    /// <paramref name="generation"/>.
    /// </summary>
    public void Apply(IReadOnlyCollection<long> changedCids, IReadOnlyList<KeywordDocument> documents, long generation)
    {
        var state = _state ?? throw new InvalidOperationException("the keyword index is applied changes before it was built");
        var byCid = documents.ToDictionary(d => d.Cid);
        foreach (var cid in changedCids)
        {
            var id = new Term(IdField, cid.ToString(CultureInfo.InvariantCulture));
            if (byCid.TryGetValue(cid, out var document))
            {
                state.Writer.UpdateDocument(id, ToLucene(document));
            }
            else
            {
                state.Writer.DeleteDocuments(id);
            }
        }
        state.Searchers.MaybeRefreshBlocking();
        lock (_swap)
        {
            AppliedGeneration = generation;
            Documents = CountDocuments(state);
        }
    }

    /// <summary>
    /// The <paramref name="limit"/> best posts for <paramref name="query"/> by BM25, best first, ties by cid: the same
    /// list, scores included, as <see cref="KeywordSearcher.RankExhaustiveAsync"/> over the same store state.
    /// </summary>
    /// <exception cref="InvalidOperationException">The index is not built yet (<see cref="IsReady"/>).</exception>
    public IReadOnlyList<KeywordHit> Search(KeywordQuery query, int limit)
    {
        if (query.Terms.Count == 0 || limit < 1)
        {
            return [];
        }
        SearcherManager searchers;
        IndexSearcher acquired;
        lock (_swap)
        {
            searchers = (_state ?? throw new InvalidOperationException("the keyword index is not built yet")).Searchers;
            acquired = searchers.Acquire();
        }
        try
        {
            var searcher = (LiveStatisticsSearcher)acquired;
            // A term of weight w is w clauses, so the clauses a document matches count its matched weight, as
            // KeywordQuery.MinimumShouldMatch counts it; w clauses also score the term w times, as its weight does.
            var clauses = new MinimumMatchQuery(query.MinimumShouldMatch);
            foreach (var (term, weight) in query.Terms)
            {
                for (var i = 0; i < weight; i++)
                {
                    clauses.Add(new TermQuery(new Term(TextField, term)), Occur.SHOULD);
                }
            }
            var band = new ScoreBandCollector(limit);
            searcher.Search(clauses, band);
            return searcher.RankExactly(query, band.Candidates(), limit);
        }
        finally
        {
            searchers.Release(acquired);
        }
    }

    /// <summary>
    /// How many posts hold <paramref name="term"/>, replaced and deleted ones included until a merge removes them: a
    /// hint for choosing a query's rare words, not a BM25 statistic. 0 while the index is not built.
    /// </summary>
    public int DocumentFrequency(string term)
    {
        SearcherManager searchers;
        IndexSearcher acquired;
        lock (_swap)
        {
            if (_state is null)
            {
                return 0;
            }
            searchers = _state.Searchers;
            acquired = searchers.Acquire();
        }
        try
        {
            return acquired.IndexReader.DocFreq(new Term(TextField, term));
        }
        finally
        {
            searchers.Release(acquired);
        }
    }

    public void Dispose()
    {
        lock (_swap)
        {
            _state?.Searchers.Dispose();
            _state?.Writer.Dispose();
            _state = null;
        }
    }

    private static int CountDocuments(State state)
    {
        var searcher = state.Searchers.Acquire();
        try
        {
            return searcher.IndexReader.NumDocs;
        }
        finally
        {
            state.Searchers.Release(searcher);
        }
    }

    private static Document ToLucene(KeywordDocument document)
    {
        var lucene = new Document
        {
            new StringField(IdField, document.Cid.ToString(CultureInfo.InvariantCulture), Field.Store.NO),
            new NumericDocValuesField(CidField, document.Cid),
        };
        // A post with no terms still counts in N and the mean length, as its keyword_docs row does.
        if (document.Postings.Count > 0)
        {
            lucene.Add(new Field(TextField, new PostingsTokenStream(document.Postings), TermsFieldType));
        }
        return lucene;
    }

    private static FieldType CreateTermsFieldType()
    {
        var type = new FieldType
        {
            IsIndexed = true,
            IsTokenized = true,
            IsStored = false,
            OmitNorms = false,
            IndexOptions = IndexOptions.DOCS_AND_FREQS,
        };
        type.Freeze();
        return type;
    }

    /// <summary>A document's terms, each as many times as its tf: what Lucene counts frequencies and length from.</summary>
    private sealed class PostingsTokenStream : TokenStream
    {
        private readonly IReadOnlyList<(string Term, int Tf)> _postings;
        private readonly ICharTermAttribute _term;
        private int _posting;
        private int _repeat;

        public PostingsTokenStream(IReadOnlyList<(string Term, int Tf)> postings)
        {
            _postings = postings;
            _term = AddAttribute<ICharTermAttribute>();
        }

        public override bool IncrementToken()
        {
            ClearAttributes();
            if (_posting < _postings.Count && _repeat == _postings[_posting].Tf)
            {
                _posting++;
                _repeat = 0;
            }
            if (_posting >= _postings.Count)
            {
                return false;
            }
            _term.SetEmpty().Append(_postings[_posting].Term);
            _repeat++;
            return true;
        }

        public override void Reset()
        {
            base.Reset();
            _posting = 0;
            _repeat = 0;
        }
    }

    /// <summary>
    /// Keeps every document whose float score is within <see cref="ScoreBand"/> of the k-th best seen so far: a superset
    /// of the exact top k, since no float score is further than that from its double.
    /// </summary>
    /// <remarks>
    /// The k best scores seen sit in a min-heap, so the floor is known at every document without sorting what was kept:
    /// sorting the kept list at each prune took ~3 % of the service's CPU in a profile under hybrid load (the keyword leg
    /// asks for 1,000 posts, <c>Search:KeywordCandidates</c>, of queries matching thousands).
    /// </remarks>
    private sealed class ScoreBandCollector(int limit) : ICollector
    {
        private readonly List<(int Doc, float Score)> _kept = [];
        private readonly PriorityQueue<float, float> _best = new(limit);
        private Scorer? _scorer;
        private int _docBase;
        private double _floor;

        public bool AcceptsDocsOutOfOrder => true;

        public void SetScorer(Scorer scorer) => _scorer = scorer;

        public void SetNextReader(AtomicReaderContext context) => _docBase = context.DocBase;

        public void Collect(int doc)
        {
            var score = _scorer!.GetScore();
            // 0: below the query's minimum match (MinimumMatchQuery); a matching term's BM25 share is always positive.
            if (score <= 0 || score < _floor)
            {
                return;
            }
            if (_best.Count < limit)
            {
                _best.Enqueue(score, score);
            }
            else if (score > _best.Peek())
            {
                _best.EnqueueDequeue(score, score);
            }
            if (_best.Count == limit)
            {
                _floor = _best.Peek() * (1 - ScoreBand);
            }
            _kept.Add((_docBase + doc, score));
            if (_kept.Count >= 2 * limit + 64)
            {
                // Documents kept before the floor rose past them.
                _kept.RemoveAll(k => k.Score < _floor);
            }
        }

        public List<int> Candidates()
        {
            var candidates = new List<int>(_kept.Count);
            foreach (var (doc, score) in _kept)
            {
                if (score >= _floor)
                {
                    candidates.Add(doc);
                }
            }
            candidates.Sort();
            return candidates;
        }
    }

    /// <summary>
    /// A disjunction of weighted terms that scores 0 any document matching less than <paramref name="minimum"/> term weight.
    /// </summary>
    private sealed class MinimumMatchQuery(int minimum) : BooleanQuery(disableCoord: false)
    {
        public override Weight CreateWeight(IndexSearcher searcher) => new MinimumMatchWeight(this, searcher, minimum);

        private sealed class MinimumMatchWeight(MinimumMatchQuery query, IndexSearcher searcher, int minimum) : BooleanWeight(query, searcher, disableCoord: false)
        {
            public override float Coord(int overlap, int maxOverlap) => overlap >= minimum ? 1 : 0;
        }
    }

    private sealed class LiveStatisticsSearcherFactory : SearcherFactory
    {
        public override IndexSearcher NewSearcher(IndexReader reader) => new LiveStatisticsSearcher(reader);
    }

    /// <summary>
    /// A snapshot's searcher whose BM25 statistics count live documents only, as PostgreSQL's tables do: N, the total
    /// length, and each term's df (read from the term's postings where a segment has deletions).
    /// </summary>
    private sealed class LiveStatisticsSearcher : IndexSearcher
    {
        private readonly int _documents;
        private readonly long _totalLength;
        private readonly ConcurrentDictionary<string, int> _documentFrequencies = new(StringComparer.Ordinal);

        public LiveStatisticsSearcher(IndexReader reader) : base(reader)
        {
            Similarity = ExactBm25Similarity.Instance;
            _documents = reader.NumDocs;
            foreach (var leaf in reader.Leaves)
            {
                var norms = leaf.AtomicReader.GetNormValues(TextField);
                var live = leaf.AtomicReader.LiveDocs;
                for (var doc = 0; norms is not null && doc < leaf.AtomicReader.MaxDoc; doc++)
                {
                    if (live is null || live.Get(doc))
                    {
                        _totalLength += norms.Get(doc);
                    }
                }
            }
        }

        public override CollectionStatistics CollectionStatistics(string field) =>
            new(field, _documents, _documents, _totalLength, -1);

        public override TermStatistics TermStatistics(Term term, TermContext context) =>
            new(term.Bytes, DocumentFrequency(term.Text), -1);

        private int DocumentFrequency(string term) => _documentFrequencies.GetOrAdd(term, t =>
        {
            var count = 0;
            foreach (var leaf in IndexReader.Leaves)
            {
                var reader = leaf.AtomicReader;
                if (reader.LiveDocs is null)
                {
                    count += reader.DocFreq(new Term(TextField, t));
                    continue;
                }
                var docs = reader.GetTermDocsEnum(new Term(TextField, t));
                while (docs is not null && docs.NextDoc() != DocIdSetIterator.NO_MORE_DOCS)
                {
                    count++;
                }
            }
            return count;
        });

        /// <summary>
        /// Scores <paramref name="candidates"/> (global doc ids, ascending) in double, each term's share summed in ordinal
        /// term order as PostgreSQL sums them, and keeps the best <paramref name="limit"/> (ties by cid).
        /// </summary>
        public List<KeywordHit> RankExactly(KeywordQuery query, List<int> candidates, int limit)
        {
            var averageLength = ExactBm25Similarity.AverageLength(_documents, _totalLength);
            var scores = new double[candidates.Count];
            var matched = new int[candidates.Count];
            var leaves = IndexReader.Leaves;
            // The candidates are ascending, so each leaf's are one run: its norms and term postings are opened once per run,
            // not per candidate.
            var runs = new List<(AtomicReaderContext Leaf, int From, int To)>();
            for (var i = 0; i < candidates.Count;)
            {
                var leaf = leaves[ReaderUtil.SubIndex(candidates[i], leaves)];
                var end = i;
                while (end < candidates.Count && candidates[end] < leaf.DocBase + leaf.AtomicReader.MaxDoc)
                {
                    end++;
                }
                runs.Add((leaf, i, end));
                i = end;
            }
            var norms = runs.Select(r => r.Leaf.AtomicReader.GetNormValues(TextField)).ToArray();
            foreach (var (term, count) in query.Terms.OrderBy(t => t.Term, StringComparer.Ordinal))
            {
                var df = DocumentFrequency(term);
                if (df == 0)
                {
                    continue;
                }
                var weight = count * Math.Log(1 + (_documents - (double)df + 0.5) / (df + 0.5));
                for (var run = 0; run < runs.Count; run++)
                {
                    var (leaf, from, to) = runs[run];
                    var docs = leaf.AtomicReader.GetTermDocsEnum(new Term(TextField, term));
                    for (var i = from; docs is not null && i < to; i++)
                    {
                        var local = candidates[i] - leaf.DocBase;
                        if (docs.DocID < local && docs.Advance(local) == DocIdSetIterator.NO_MORE_DOCS)
                        {
                            break;
                        }
                        if (docs.DocID != local)
                        {
                            continue;
                        }
                        scores[i] += ExactBm25Similarity.Score(weight, docs.Freq, norms[run].Get(local), averageLength);
                        matched[i] += count; // weight matched, as KeywordQuery.MinimumShouldMatch counts it
                    }
                }
            }
            var hits = new List<KeywordHit>(candidates.Count);
            foreach (var (leaf, from, to) in runs)
            {
                var cids = leaf.AtomicReader.GetNumericDocValues(CidField);
                for (var i = from; i < to; i++)
                {
                    if (matched[i] > 0 && matched[i] >= query.MinimumShouldMatch)
                    {
                        hits.Add(new KeywordHit(cids.Get(candidates[i] - leaf.DocBase), scores[i], false));
                    }
                }
            }
            // Best first, ties by cid (a post is one document, so no two hits tie on both).
            hits.Sort(static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Cid.CompareTo(b.Cid));
            if (hits.Count > limit)
            {
                hits.RemoveRange(limit, hits.Count - limit);
            }
            return hits;
        }
    }
}
