-- BM25 top-k with MaxScore pruning (KeywordSearcher.RankBm25Async), so a search stops summing whole posting
-- lists. Three things make it possible, all kept current by triggers in the indexer's own transaction:
--   keyword_stats   the corpus statistics (documents, total length): no count/avg over keyword_docs per query;
--   keyword_terms   per term its df and the bounds of its postings (largest tf, shortest document), from which a
--                   search computes the term's largest possible BM25 contribution for the current avgdl;
--   keyword_postings.length   the document's length beside each posting, so scoring reads the postings alone
--                   (an index-only scan of the primary key, which now includes tf and length).
-- Bounds only widen while a term exists (a deleted posting leaves them as they were, still valid, just looser);
-- they are exact again whenever the term's last posting goes and comes back.

ALTER TABLE keyword_postings ADD COLUMN length int;
UPDATE keyword_postings k SET length = d.length FROM keyword_docs d WHERE d.cid = k.cid;
ALTER TABLE keyword_postings ALTER COLUMN length SET NOT NULL;
ALTER TABLE keyword_postings DROP CONSTRAINT keyword_postings_pkey, ADD PRIMARY KEY (term, cid) INCLUDE (tf, length);

CREATE TABLE keyword_stats (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    docs          bigint NOT NULL CHECK (docs >= 0),
    total_length  bigint NOT NULL CHECK (total_length >= 0)
);
INSERT INTO keyword_stats (docs, total_length) SELECT count(*), coalesce(sum(length), 0) FROM keyword_docs;

CREATE TABLE keyword_terms (
    term        text PRIMARY KEY,
    df          int NOT NULL CHECK (df > 0),
    max_tf      int NOT NULL,
    min_length  int NOT NULL
);
INSERT INTO keyword_terms (term, df, max_tf, min_length)
SELECT term, count(*), max(tf), min(length) FROM keyword_postings GROUP BY term;

-- Every keyword write locks the one keyword_stats row before any keyword_terms row (the postings triggers fire
-- first when a document's delete cascades), so concurrent writers queue instead of deadlocking.
CREATE FUNCTION keyword_docs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE keyword_stats s SET docs = s.docs + n.docs, total_length = s.total_length + n.total_length
    FROM (SELECT count(*) AS docs, coalesce(sum(length), 0) AS total_length FROM new_rows) n;
    RETURN NULL;
END
$$;

CREATE FUNCTION keyword_docs_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE keyword_stats s SET docs = s.docs - o.docs, total_length = s.total_length - o.total_length
    FROM (SELECT count(*) AS docs, coalesce(sum(length), 0) AS total_length FROM old_rows) o;
    RETURN NULL;
END
$$;

CREATE FUNCTION keyword_docs_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE keyword_stats SET total_length = total_length + (SELECT coalesce(sum(length), 0) FROM new_rows)
                                                         - (SELECT coalesce(sum(length), 0) FROM old_rows);
    RETURN NULL;
END
$$;

CREATE FUNCTION keyword_docs_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE keyword_stats SET docs = 0, total_length = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER keyword_docs_inserted AFTER INSERT ON keyword_docs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_docs_inserted();
CREATE TRIGGER keyword_docs_deleted AFTER DELETE ON keyword_docs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_docs_deleted();
CREATE TRIGGER keyword_docs_updated AFTER UPDATE ON keyword_docs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_docs_updated();
CREATE TRIGGER keyword_docs_truncated AFTER TRUNCATE ON keyword_docs
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_docs_truncated();

CREATE FUNCTION keyword_postings_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM keyword_stats FOR UPDATE;
    -- In term order, so two writers lock shared terms in the same order.
    INSERT INTO keyword_terms AS t (term, df, max_tf, min_length)
    SELECT term, count(*), max(tf), min(length) FROM new_rows GROUP BY term ORDER BY term
    ON CONFLICT (term) DO UPDATE SET df = t.df + excluded.df, max_tf = greatest(t.max_tf, excluded.max_tf),
                                     min_length = least(t.min_length, excluded.min_length);
    RETURN NULL;
END
$$;

CREATE FUNCTION keyword_postings_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM keyword_stats FOR UPDATE;
    PERFORM 1 FROM keyword_terms t WHERE t.term IN (SELECT term FROM old_rows) ORDER BY t.term FOR UPDATE;
    DELETE FROM keyword_terms t USING (SELECT term, count(*) AS df FROM old_rows GROUP BY term) o
    WHERE t.term = o.term AND t.df = o.df;
    UPDATE keyword_terms t SET df = t.df - o.df FROM (SELECT term, count(*) AS df FROM old_rows GROUP BY term) o
    WHERE t.term = o.term;
    RETURN NULL;
END
$$;

CREATE FUNCTION keyword_postings_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'keyword_postings rows are replaced (deleted and inserted), never updated: keyword_terms would go stale';
END
$$;

CREATE FUNCTION keyword_postings_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM keyword_terms;
    RETURN NULL;
END
$$;

CREATE TRIGGER keyword_postings_inserted AFTER INSERT ON keyword_postings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_postings_inserted();
CREATE TRIGGER keyword_postings_deleted AFTER DELETE ON keyword_postings REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_postings_deleted();
CREATE TRIGGER keyword_postings_updated BEFORE UPDATE ON keyword_postings
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_postings_updated();
CREATE TRIGGER keyword_postings_truncated AFTER TRUNCATE ON keyword_postings
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_postings_truncated();

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
-- The score of a posting: w · tf (k1 + 1) / (tf + k1 (1 − b + b · length / avgdl)).
CREATE FUNCTION keyword_top_k(p_terms text[], p_qtf int[], p_k int, p_k1 float8, p_b float8, p_seed_rows int DEFAULT 2000,
    p_probe_cost float8 DEFAULT 16)
RETURNS TABLE (cid bigint, score float8)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n float8;
    avgdl float8;
    terms text[];
    weights float8[];
    bounds float8[];
    dfs int[];
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
           array_agg(x.df ORDER BY x.ub, x.term)
    INTO terms, weights, bounds, dfs
    FROM (SELECT y.term, y.df, y.w, y.w * y.max_tf * (p_k1 + 1) / (y.max_tf + p_k1 * (1 - p_b + p_b * y.min_length / avgdl)) AS ub
          FROM (SELECT t.term, t.df, t.max_tf, t.min_length, q.qtf * ln(1 + (n - t.df::float8 + 0.5) / (t.df::float8 + 0.5)) AS w
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
        JOIN unnest(terms, weights) AS w(term, weight) ON w.term = k.term
        GROUP BY k.cid ORDER BY partial DESC LIMIT p_k) top;
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
    END LOOP;

    -- The essential terms' postings of the documents that can still reach θ.
    SELECT array_agg(x.cid), array_agg(x.term), array_agg(x.part), count(DISTINCT x.cid)
    INTO kept_cids, kept_terms, kept_parts, candidates
    FROM (SELECT k.cid, k.term, w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl)) AS part,
                 sum(w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl))) OVER (PARTITION BY k.cid) AS partial
          FROM keyword_postings k JOIN unnest(terms, weights) AS w(term, weight) ON w.term = k.term
          WHERE k.term = ANY(terms[skipped + 1:term_count])) x
    WHERE x.partial + rest >= theta;
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
        GROUP BY p.cid
        ORDER BY total DESC, p.cid
        LIMIT p_k;
    ELSE
        -- Many: reading the non-essential lists whole is cheaper than probing them once per candidate.
        RETURN QUERY
        SELECT k.cid, sum(w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl)) ORDER BY k.term) AS total
        FROM keyword_postings k JOIN unnest(terms, weights) AS w(term, weight) ON w.term = k.term
        WHERE k.term = ANY(terms)
        GROUP BY k.cid
        HAVING coalesce(sum(w.weight * k.tf * (p_k1 + 1) / (k.tf + p_k1 * (1 - p_b + p_b * k.length / avgdl)))
                        FILTER (WHERE k.term = ANY(terms[skipped + 1:term_count])), 0) + rest >= theta
        ORDER BY total DESC, k.cid
        LIMIT p_k;
    END IF;
END
$$;

-- The index generation: bumped by every transaction that changes posts (a post indexed, changed, hidden or
-- deleted) or switches the active model or whitening version. A search node caches rankings under the
-- generation it read before ranking, so a post's state change invalidates every node's cached rankings at once.
-- The bump runs at commit (deferred constraint triggers), once per transaction: the generation row is the last lock
-- a transaction takes, so an indexer batch (posts, then the active_index row FOR SHARE) and a whitening switch
-- (active_index FOR UPDATE, then its UPDATE) never wait on each other in opposite orders. Readers see the new value
-- only with the committed change, so a ranking computed on the old state is never cached under the new generation.
CREATE TABLE index_generation (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    value      bigint NOT NULL
);
INSERT INTO index_generation (value) VALUES (1);

CREATE FUNCTION index_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Row triggers fire once per changed row: bump once per transaction.
    IF current_setting('bsi.generation_bumped_in', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE index_generation SET value = value + 1;
        PERFORM set_config('bsi.generation_bumped_in', txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER posts_generation AFTER INSERT OR UPDATE OR DELETE ON posts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION index_generation_bump();
CREATE TRIGGER posts_generation_truncated AFTER TRUNCATE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION index_generation_bump();
CREATE CONSTRAINT TRIGGER active_index_generation AFTER UPDATE ON active_index
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION index_generation_bump();
