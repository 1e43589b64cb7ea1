-- Index store schema: what the blog has published, split into chunks, the encoder vectors of
-- those chunks, the fitted whitening models and where the indexer stands.
-- Tables are created unqualified so that one database can host several isolated indexes
-- (one schema each, chosen by the connection's search_path); pgvector lives in public.
CREATE EXTENSION IF NOT EXISTS vector;

-- Every encoder the index has used. Vectors from different (name, revision) pairs live in
-- different spaces and are never compared: a model change forces a re-embed.
CREATE TABLE encoder_models (
    id          serial PRIMARY KEY,
    name        text        NOT NULL,
    revision    text        NOT NULL,
    dimensions  int         NOT NULL CHECK (dimensions > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, revision)
);

-- The visible posts of the blog, keyed by Typecho's cid. A row exists only while the post is
-- visible to an anonymous visitor; hiding or deleting a post deletes its row (and chunks).
CREATE TABLE posts (
    cid          bigint      PRIMARY KEY,
    type         text        NOT NULL,
    title        text        NOT NULL,
    slug         text,
    created_at   timestamptz NOT NULL,
    modified_at  timestamptz NOT NULL,
    content_hash bytea       NOT NULL,
    indexed_at   timestamptz NOT NULL DEFAULT now()
);

-- A post's text split by the encoder's token count; char_start/char_end index the post's
-- cleaned text so snippets can be cut from it.
CREATE TABLE chunks (
    id          bigserial PRIMARY KEY,
    cid         bigint NOT NULL REFERENCES posts (cid) ON DELETE CASCADE,
    ordinal     int    NOT NULL CHECK (ordinal >= 0),
    text        text   NOT NULL,
    char_start  int    NOT NULL CHECK (char_start >= 0),
    char_end    int    NOT NULL CHECK (char_end >= char_start),
    token_count int    NOT NULL CHECK (token_count >= 0),
    text_hash   bytea  NOT NULL,
    UNIQUE (cid, ordinal)
);

-- Raw encoder output per chunk and model. text_hash records which text the vector was computed
-- from, so only chunks whose text changed are embedded again.
CREATE TABLE chunk_embeddings (
    chunk_id   bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    model_id   int    NOT NULL REFERENCES encoder_models (id),
    text_hash  bytea  NOT NULL,
    embedding  vector NOT NULL,
    PRIMARY KEY (chunk_id, model_id)
);

-- A fitted BERT-whitening transform x' = (x - beta*mean) U diag(eigenvalues)^(-gamma/2), first
-- `dims` columns. projection is U[:, :dims] row-major (model dimensions x dims).
-- reduced_table names the table that holds this version's vector(dims) column and HNSW index.
CREATE TABLE whitening_models (
    version       serial      PRIMARY KEY,
    model_id      int         NOT NULL REFERENCES encoder_models (id),
    beta          float8      NOT NULL CHECK (beta BETWEEN 0 AND 1),
    gamma         float8      NOT NULL CHECK (gamma BETWEEN 0 AND 1),
    dims          int         NOT NULL CHECK (dims > 0),
    mean          float8[]    NOT NULL,
    projection    float8[]    NOT NULL,
    eigenvalues   float8[]    NOT NULL,
    vector_count  int         NOT NULL,
    fitted_at     timestamptz NOT NULL DEFAULT now(),
    fit_seconds   float8      NOT NULL,
    reduced_table text        NOT NULL UNIQUE,
    state         text        NOT NULL CHECK (state IN ('building', 'ready', 'retired'))
);

-- The single pointer searches read: which encoder model and whitening version are live.
-- Switching versions is one UPDATE of this row inside the transaction that finishes a refit.
CREATE TABLE active_index (
    singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    model_id           int REFERENCES encoder_models (id),
    whitening_version  int REFERENCES whitening_models (version),
    switched_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO active_index (singleton) VALUES (true);

-- Where the indexer stands for each blog source. The watermark is Typecho's `modified`
-- (unix seconds) with cid as a tie-breaker, advanced only after a batch commits.
CREATE TABLE index_state (
    source              text PRIMARY KEY,
    watermark_modified  bigint NOT NULL DEFAULT 0,
    watermark_cid       bigint NOT NULL DEFAULT 0,
    last_poll_at        timestamptz,
    last_success_at     timestamptz,
    last_reconcile_at   timestamptz,
    last_error          text
);

-- Posts the indexer could not index, with the reason; retried when the post changes.
CREATE TABLE skipped_posts (
    cid         bigint PRIMARY KEY,
    modified_at timestamptz NOT NULL,
    reason      text NOT NULL,
    skipped_at  timestamptz NOT NULL DEFAULT now()
);
