-- Keyword (BM25) index: term statistics per post, written by the indexer in the same transaction as the
-- post's chunks (KeywordIndexWriter, from IndexWriter's afterWrite). A post's document is its chunks' text
-- without the chunker's overlap (the title and tags are the first lines of the first chunk). Rows go
-- with their post: deleting or replacing a post cascades here.
CREATE TABLE keyword_docs (
    cid     bigint PRIMARY KEY REFERENCES posts (cid) ON DELETE CASCADE,
    length  int    NOT NULL CHECK (length >= 0)   -- analysed terms in the document (BM25's |d|)
);

-- One row per (term, post): the term's frequency in the post. (term, cid) serves the query's lookups;
-- the cid index serves the cascade.
CREATE TABLE keyword_postings (
    term  text   NOT NULL,
    cid   bigint NOT NULL REFERENCES keyword_docs (cid) ON DELETE CASCADE,
    tf    int    NOT NULL CHECK (tf > 0),
    PRIMARY KEY (term, cid)
);
CREATE INDEX keyword_postings_cid ON keyword_postings (cid);

-- The substring leg (Typecho's own LIKE '%q%' search, which every result set must cover) scans
-- posts.title and chunks.text with ILIKE; trigram indexes make that an index scan. pg_trgm is a trusted
-- extension, so the database owner may create it; a role that may not (or a server without the contrib
-- package) keeps a working substring leg that scans, and setup.sh can create the extension as superuser.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
    RAISE NOTICE 'pg_trgm is not available (%); the keyword search''s substring leg will scan instead of using trigram indexes', SQLERRM;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX chunks_text_trgm ON chunks USING gin (text public.gin_trgm_ops);
        CREATE INDEX posts_title_trgm ON posts USING gin (title public.gin_trgm_ops);
    END IF;
END
$$;
