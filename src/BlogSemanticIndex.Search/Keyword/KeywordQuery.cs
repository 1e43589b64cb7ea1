using System.Text;
using JiebaNet.Segmenter;

namespace BlogSemanticIndex.Search.Keyword;

/// <summary>
/// A query term and how many times it counts: BM25 multiplies the term's idf by <paramref name="Weight"/> (PostgreSQL's
/// <c>keyword_top_k</c> takes it as the query term frequency), and <see cref="KeywordQuery.MinimumShouldMatch"/> counts a
/// matched term that many times (in Lucene: the term's clause repeated <paramref name="Weight"/> times).
/// </summary>
public readonly record struct KeywordQueryTerm(string Term, int Weight);

/// <summary>
/// What the keyword leg searches for a query text: its index terms (from <see cref="TextAnalyzer"/>, the analyzer the
/// index was built with), each with a weight, and the least total weight of matched terms a post needs to be found.
/// The one place that decides this, for every searcher of the keyword index.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Latin words and identifiers: each term once per occurrence, and any one of them finds a post (as before).</item>
/// <item>A CJK run of two or more characters is searched by its character bigrams (a lone character by itself): a
/// single Han character occurs in most Chinese posts, so its posting list is nearly the whole Chinese corpus while its
/// idf is near zero (419 ms against 85 ms of BM25 per Chinese query over 25,000 posts, bench/LoadBench).</item>
/// <item>Han runs are segmented into words with jieba (query side only; the index keeps unigrams and bigrams): a bigram
/// inside a word (<c>信用</c>, <c>用卡</c> of <c>信用卡</c>) weighs <see cref="WordBigramWeight"/>, one across two words
/// (<c>卡的</c>) 1, so a post with the query's words ranks above one sharing as many character pairs by chance; a word of
/// one character (<c>借</c> in <c>怎么借钱</c> when jieba splits it so) is searched as a unigram, weight 1. (Leaving out
/// jieba's one-character stop words measured no better: the demo's Chinese queries lost 0.022 nDCG@10.)</item>
/// <item>A query with CJK terms needs posts that match at least <see cref="ChineseMinimumShouldMatchShare"/> of its total
/// weight: a long natural question (<c>请问一下信用卡的额度怎么才能提高呢</c>) otherwise matches nearly every post
/// through a pair like <c>请问</c> or <c>怎么</c>. When that finds nothing, the query is answered with any term
/// (<see cref="Relaxed"/>): a short paraphrase (<c>让网页打开得更快</c>) may share a single word with the posts it means.
/// Queries without CJK keep "any term" (English stop words are already dropped by the analyzer).</item>
/// </list>
/// Measured on senteval_cn's LCQMC, BQ, ATEC and STS-B and the demo blog's Chinese queries (README, "A stronger Chinese
/// keyword leg"); SciFact's English claims rank exactly as before.
/// </remarks>
public sealed record KeywordQuery(IReadOnlyList<KeywordQueryTerm> Terms, int MinimumShouldMatch)
{
    /// <summary>Weight of a CJK bigram that lies inside one word of the query.</summary>
    public const int WordBigramWeight = 2;

    /// <summary>The share of a CJK query's total term weight a post must match.</summary>
    public const double ChineseMinimumShouldMatchShare = 0.25;

    private static readonly Lazy<JiebaSegmenter> Segmenter = new(() => new JiebaSegmenter());

    // jieba.NET's segmenter is not documented as thread-safe; a query is segmented in microseconds.
    private static readonly Lock SegmenterLock = new();

    /// <summary>
    /// Segments <paramref name="sample"/> now, which loads jieba's dictionary and HMM if they are not loaded yet (0.6 s
    /// on an idle 2-core machine, over 2 s on a loaded one), so that it happens at start rather than in the first
    /// Chinese search (<see cref="QuerySegmenterLoading"/>). Constructing the segmenter is not enough: its type is
    /// <c>beforefieldinit</c>, so its static dictionary is loaded by the first <c>Cut</c>, not by <c>new</c>.
    /// </summary>
    /// <returns>The sample's words.</returns>
    public static IReadOnlyList<string> LoadSegmenter(string sample)
    {
        lock (SegmenterLock)
        {
            return Segmenter.Value.Cut(sample, cutAll: false, hmm: true).ToList();
        }
    }

    /// <summary>No term: nothing to search.</summary>
    public bool IsEmpty => Terms.Count == 0;

    /// <summary>
    /// What a searcher runs when this query finds no post: the same terms with any term enough; null when that is
    /// already this query.
    /// </summary>
    public KeywordQuery? Relaxed => MinimumShouldMatch > 1 ? this with { MinimumShouldMatch = 1 } : null;

    /// <summary>The sum of the terms' weights.</summary>
    public int TotalWeight => Terms.Sum(t => t.Weight);

    /// <summary>The query for <paramref name="text"/> (see the type's remarks).</summary>
    public static KeywordQuery Parse(string text)
    {
        var tokens = TextAnalyzer.Analyze(text);
        var wordEnds = HanWordBoundaries(text);
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        var hasCjk = false;
        foreach (var token in tokens)
        {
            int weight;
            if (!IsCjkTerm(token.Term))
            {
                weight = 1;
            }
            else if (token.Term.EnumerateRunes().Count() == 2)
            {
                // The boundary between the pair's two characters: inside a word unless jieba ends a word there.
                var middle = token.Start + TextAnalyzer.RuneAt(text, token.Start).Utf16SequenceLength;
                weight = wordEnds.Contains(middle) ? 1 : WordBigramWeight;
            }
            else if (IsLoneCharacter(tokens, token))
            {
                weight = 1;
            }
            else if (wordEnds.Contains(token.Start) && wordEnds.Contains(token.End))
            {
                // A one-character word inside a longer run (借 in 怎么借钱): its pairs 么借 and 借钱 cross word boundaries.
                weight = 1;
            }
            else
            {
                continue;
            }
            hasCjk |= IsCjkTerm(token.Term);
            weights[token.Term] = weights.GetValueOrDefault(token.Term) + weight;
        }
        var terms = weights.Select(w => new KeywordQueryTerm(w.Key, w.Value)).ToList();
        var total = terms.Sum(t => t.Weight);
        var minimum = hasCjk ? Math.Max(1, (int)Math.Ceiling(ChineseMinimumShouldMatchShare * total)) : 1;
        return new KeywordQuery(terms, Math.Min(minimum, Math.Max(total, 1)));
    }

    /// <summary>A unigram not covered by any bigram: a CJK run of one character.</summary>
    private static bool IsLoneCharacter(List<AnalyzedToken> tokens, AnalyzedToken unigram) =>
        !tokens.Any(other => other.Start <= unigram.Start && unigram.End <= other.End && other.End - other.Start > unigram.End - unigram.Start
                             && IsCjkTerm(other.Term));

    private static bool IsHan(Rune rune) => TextAnalyzer.IsCjk(rune) && rune.Value is < 0x3040 or > 0x31FF and < 0xAC00 or > 0xD7AF;

    private static bool IsCjkTerm(string term) => term.Length > 0 && term.EnumerateRunes().All(TextAnalyzer.IsCjk);

    /// <summary>
    /// Where jieba starts or ends a word in the text's Han runs (UTF-16 offsets into <paramref name="text"/>). Kana and
    /// Hangul are left alone (jieba's dictionary is Chinese): their bigrams all count as inside a word.
    /// </summary>
    private static HashSet<int> HanWordBoundaries(string text)
    {
        var boundaries = new HashSet<int>();
        var i = 0;
        while (i < text.Length)
        {
            if (!IsHan(TextAnalyzer.RuneAt(text, i)))
            {
                i += TextAnalyzer.RuneAt(text, i).Utf16SequenceLength;
                continue;
            }
            var start = i;
            while (i < text.Length && IsHan(TextAnalyzer.RuneAt(text, i)))
            {
                i += TextAnalyzer.RuneAt(text, i).Utf16SequenceLength;
            }
            var position = start;
            boundaries.Add(position);
            IEnumerable<string> words;
            lock (SegmenterLock)
            {
                words = Segmenter.Value.Cut(text[start..i], cutAll: false, hmm: true).ToList();
            }
            foreach (var word in words)
            {
                position += word.Length;
                boundaries.Add(position);
            }
        }
        return boundaries;
    }
}
