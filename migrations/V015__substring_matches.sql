-- The trigram path of Typecho's substring leg (KeywordSearcher.FindSubstringMatchesAsync) as a function, so its plan
-- is made once per connection and kept. Planned per call, an ILIKE makes the planner run the pattern over the
-- column's histogram (100 chunk texts, detoasted and lower-cased): 1.7–2.1 ms of planning per search against
-- 1.8–2.5 ms of execution (300 LoadBench queries, psql). The generic plan searches the same trigram indexes.
-- The character and newest-first paths stay planned per call: their generic plans read the whole title trigram index
-- for a pattern without a trigram (80 ms for 天象 over 25,000 titles), where a custom plan sees that it has none.
--   p_filter   a looser pattern of the query's rarest pieces with a trigram (KeywordSearcher.LikeFilter), for the indexes
--   p_pattern  Typecho's whole pattern, which every returned post matches in its title or a chunk's text
CREATE FUNCTION trigram_substring_matches(p_filter text, p_pattern text, p_limit int)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    -- OFFSET 0 keeps PostgreSQL from handing the whole pattern to the index too (a sentence's every common word would
    -- add its trigrams' long posting lists). A UNION rather than `title ILIKE … OR EXISTS (…)`, so each side can use
    -- its index: the OR forces a scan of every title.
    RETURN QUERY
    SELECT p.cid FROM posts p
    WHERE p.cid IN (
        SELECT t.cid FROM (SELECT cid, title AS matched FROM posts WHERE title ILIKE p_filter OFFSET 0) t WHERE t.matched ILIKE p_pattern
        UNION
        SELECT c.cid FROM (SELECT cid, text AS matched FROM chunks WHERE text ILIKE p_filter OFFSET 0) c WHERE c.matched ILIKE p_pattern)
    ORDER BY p.created_at DESC, p.cid DESC
    LIMIT p_limit;
END
$$;
