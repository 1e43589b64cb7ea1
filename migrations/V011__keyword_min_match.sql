-- Minimum-should-match in the BM25 top k (issue 13): a long natural Chinese question shares a common character pair
-- (请问, 怎么) with nearly every post, so "any term" found them all. keyword_top_k takes p_min_match, the least sum of
-- qtf over the query terms a document contains (KeywordQuery.MinimumShouldMatch; a term's qtf is its weight, so a
-- heavier term counts more, as a Lucene clause repeated that many times would). Default 1: any term, as before.
-- Only this function changes; the tables and their triggers stay as V006 made them.

DROP FUNCTION keyword_top_k(text[], int[], int, float8, float8, int, float8);

-- The k best documents by BM25, best first, ties by cid: exactly the top k of summing every posting list
-- (KeywordSearcher.RankExhaustiveAsync, the property test's reference), reading only what can still enter it.
--   1. Each query term's weight w = qtf · idf and upper bound ub = w · tfPart(max_tf, min_length).
--   2. A threshold θ: the k-th best partial score among the documents of the highest-bound (rarest) terms,
--      reading at most p_seed_rows postings. A partial score never exceeds the full one, so at least k
--      documents score ≥ θ.
--   3. MaxScore: with the terms by ascending bound, the longest prefix whose bounds sum below θ is
--      non-essential: a document having only those terms scores below θ and cannot enter the top k. The
--      candidates are the essential terms' documents whose partial score plus the non-essential bounds
--      reaches θ; only for them are the non-essential terms looked up (index probes), unless the probes would
--      cost more than reading the non-essential lists whole (p_probe_cost: an index probe costs about as much as
--      reading that many postings in a row).
--   4. Full scores summed in term order (the reference sums in the same order, so the scores are identical).
-- A document is found only when the qtf of the query terms it contains sums to at least p_min_match (the query's
-- minimum-should-match; KeywordQuery decides it, 1 = any term). Every step keeps its guarantee: θ comes from documents
-- already known to reach p_min_match (a partial match count never exceeds the full one), and a candidate must be able
-- to reach it with the non-essential terms' qtf.
-- The score of a posting: w · tf (k1 + 1) / (tf + k1 (1 − b + b · length / avgdl)).
CREATE FUNCTION keyword_top_k(p_terms text[], p_qtf int[], p_k int, p_k1 float8, p_b float8, p_seed_rows int DEFAULT 2000,
    p_probe_cost float8 DEFAULT 16, p_min_match int DEFAULT 1)
RETURNS TABLE (cid bigint, score float8)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n float8;
    avgdl float8;
    terms text[];
    weights float8[];
    bounds float8[];
    dfs int[];
    qtfs int[];
    rest_qtf int := 0;
    term_count int;
    seed_terms text[] := '{}';
    seed_rows int := 0;
    theta float8 := '-Infinity';
    seeded int;
    skipped int := 0;
    rest float8 := 0;
    kept_cids bigint[];
    kept_terms text[];
    kept_parts float8[];
    candidates int;
    skipped_rows bigint := 0;
BEGIN
    SELECT s.docs::float8, CASE WHEN s.docs > 0 THEN s.total_length::float8 / s.docs ELSE 1 END INTO n, avgdl FROM keyword_stats s;
    IF coalesce(n, 0) = 0 OR p_k < 1 THEN
        RETURN;
    END IF;
    SELECT array_agg(x.term ORDER BY x.ub, x.term), array_agg(x.w ORDER BY x.ub, x.term), array_agg(x.ub ORDER BY x.ub, x.term),
           array_agg(x.df ORDER BY x.ub, x.term), array_agg(x.qtf ORDER BY x.ub, x.term)
    INTO terms, weights, bounds, dfs, qtfs
    FROM (SELECT y.term, y.df, y.w, y.qtf, y.w * y.max_tf * (p_k1 + 1) / (y.max_tf + p_k1 * (1 - p_b + p_b * y.min_length / avgdl)) AS ub
          FROM (SELECT t.term, t.df, t.max_tf, t.min_length, q.qtf, q.qtf * ln(1 + (n - t.df::float8 + 0.5) / (t.df::float8 + 0.5)) AS w
                FROM unnest(p_terms, p_qtf) AS q(term, qtf) JOIN keyword_terms t ON t.term = q.term) y) x;
    IF terms IS NULL THEN
        RETURN;
    END IF;
    term_count := array_length(terms, 1);

    -- 2. θ from the highest-bound terms' documents.
    FOR i IN REVERSE term_count..1 LOOP
        EXIT WHEN seed_rows > 0 AND seed_rows + dfs[i] > p_seed_rows;
        seed_terms := seed_terms || terms[i];
        seed_rows := seed_rows + dfs[i];
    END LOOP;
    SELECT min(top.partial), count(*) INTO theta, seeded FROM (
        SELECT sum(w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl))) AS partial
        FROM (SELECT p.cid, p.term, p.tf, p.length FROM keyword_postings p WHERE p.term = ANY(seed_terms) LIMIT p_seed_rows) k
        JOIN unnest(terms, weights, qtfs) AS w(term, weight, qtf) ON w.term = k.term
        GROUP BY k.cid HAVING sum(w.qtf) >= p_min_match ORDER BY partial DESC LIMIT p_k) top;
    IF seeded < p_k THEN
        theta := '-Infinity';
    ELSE
        -- Partial sums in another order may differ from the full one in the last bits; keep a margin.
        theta := theta * (1 - 1e-9);
    END IF;

    -- 3. Non-essential prefix.
    WHILE skipped < term_count AND rest + bounds[skipped + 1] < theta LOOP
        skipped := skipped + 1;
        rest := rest + bounds[skipped];
        rest_qtf := rest_qtf + qtfs[skipped];
    END LOOP;

    -- The essential terms' postings of the documents that can still reach θ.
    SELECT array_agg(x.cid), array_agg(x.term), array_agg(x.part), count(DISTINCT x.cid)
    INTO kept_cids, kept_terms, kept_parts, candidates
    FROM (SELECT k.cid, k.term, w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl)) AS part,
                 sum(w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl))) OVER (PARTITION BY k.cid) AS partial,
                 sum(w.qtf) OVER (PARTITION BY k.cid) AS matched
          FROM keyword_postings k JOIN unnest(terms, weights, qtfs) AS w(term, weight, qtf) ON w.term = k.term
          WHERE k.term = ANY(terms[skipped + 1:term_count])) x
    WHERE x.partial + rest >= theta AND x.matched + rest_qtf >= p_min_match;
    IF candidates = 0 THEN
        RETURN;
    END IF;
    FOR i IN 1..skipped LOOP
        skipped_rows := skipped_rows + dfs[i];
    END LOOP;

    IF candidates::float8 * skipped * p_probe_cost < skipped_rows THEN
        -- Few candidates: look the non-essential terms up for them alone.
        RETURN QUERY
        SELECT p.cid, sum(p.part ORDER BY p.term) AS total
        FROM (SELECT u.cid, u.term, u.part FROM unnest(kept_cids, kept_terms, kept_parts) AS u(cid, term, part)
              UNION ALL
              SELECT k.cid, k.term, w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl))
              FROM (SELECT DISTINCT u.cid FROM unnest(kept_cids) AS u(cid)) c
              JOIN keyword_postings k ON k.cid = c.cid AND k.term = ANY(terms[1:skipped])
              JOIN unnest(terms, weights) AS w(term, weight) ON w.term = k.term) p
        JOIN unnest(terms, qtfs) AS q(term, qtf) ON q.term = p.term
        GROUP BY p.cid
        HAVING sum(q.qtf) >= p_min_match
        ORDER BY total DESC, p.cid
        LIMIT p_k;
    ELSE
        -- Many: reading the non-essential lists whole is cheaper than probing them once per candidate.
        RETURN QUERY
        SELECT k.cid, sum(w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl)) ORDER BY k.term) AS total
        FROM keyword_postings k JOIN unnest(terms, weights, qtfs) AS w(term, weight, qtf) ON w.term = k.term
        WHERE k.term = ANY(terms)
        GROUP BY k.cid
        HAVING coalesce(sum(w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl)))
                        FILTER (WHERE k.term = ANY(terms[skipped + 1:term_count])), 0) + rest >= theta
           AND sum(w.qtf) >= p_min_match
        ORDER BY total DESC, k.cid
        LIMIT p_k;
    END IF;
END
$$;
