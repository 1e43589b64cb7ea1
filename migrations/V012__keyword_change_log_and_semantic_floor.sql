-- The change sequence of the keyword index: every node keeps its own Lucene.NET copy of the keyword statistics
-- (LuceneKeywordIndex, derived from keyword_docs / keyword_postings, the store of record) and catches up from here.
--
-- Each transaction that changes keyword_docs (a post indexed, rewritten, hidden or deleted: deleting a post cascades
-- here) writes one row per changed post, stamped with the index generation it bumps at commit. The bump takes the
-- generation row's lock and holds it to the end of the commit, so generations commit in order: a reader that sees a
-- row of generation g sees every row of the generations before it, and "everything above my last generation" is a
-- complete list of what changed. A TRUNCATE writes one row with cid NULL: rebuild everything.
CREATE TABLE keyword_changes (
    generation  bigint      NOT NULL,
    cid         bigint,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX keyword_changes_generation_cid ON keyword_changes (generation, cid);
CREATE INDEX keyword_changes_changed_at ON keyword_changes (changed_at);

-- Rows are kept for a while (KeywordChangeFeed prunes them); a node whose last applied generation is below this
-- horizon missed pruned rows and rebuilds from the tables instead.
CREATE TABLE keyword_changes_horizon (
    generation  bigint NOT NULL,
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton)
);
INSERT INTO keyword_changes_horizon (generation) SELECT value FROM index_generation;

-- Bumps the generation once per transaction (the same guard as index_generation_bump, so whichever trigger fires
-- first bumps) and logs the post under the bumped value.
CREATE FUNCTION keyword_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('bsi.generation_bumped_in', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE index_generation SET value = value + 1;
        PERFORM set_config('bsi.generation_bumped_in', txid_current()::text, true);
    END IF;
    IF TG_LEVEL = 'ROW' THEN
        INSERT INTO keyword_changes (generation, cid)
        SELECT value, CASE WHEN TG_OP = 'DELETE' THEN OLD.cid ELSE NEW.cid END FROM index_generation
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO keyword_changes (generation, cid) SELECT value, NULL FROM index_generation ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

-- Deferred to the commit, like the generation's own triggers: the lock is taken as late as possible.
CREATE CONSTRAINT TRIGGER keyword_docs_change_log AFTER INSERT OR UPDATE OR DELETE ON keyword_docs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION keyword_change_log();
CREATE TRIGGER keyword_docs_change_log_truncated AFTER TRUNCATE ON keyword_docs
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_change_log();

-- The semantic leg's relevance floor per vector space (a model's raw vectors, whitening_version 0, or one whitening
-- version): the best similarity nonsense probes reach against this blog's chunks (SemanticFloor). Written by the
-- first search that needs it; a new whitening version gets its own row, and a row is computed again when the
-- space's chunk count has moved by a quarter since.
CREATE TABLE semantic_floors (
    model_id           int         NOT NULL REFERENCES encoder_models (id) ON DELETE CASCADE,
    whitening_version  int         NOT NULL,
    similarity         float8      NOT NULL,
    chunks             bigint      NOT NULL,
    computed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, whitening_version)
);
