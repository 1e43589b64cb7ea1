-- Whitening versions: what a stored model needs to reproduce its transform exactly, and when it
-- went live or was replaced (for `bsi whitening list`).
-- Each version's reduced vectors live in a table chunk_vectors_w<version> that the service creates
-- at fit time (vector(dims) differs per version, so it cannot be declared here):
--   chunk_id  bigint PRIMARY KEY REFERENCES chunks (id) ON DELETE CASCADE,
--   text_hash bytea NOT NULL   -- the chunk_embeddings.text_hash the vector was computed from
--   embedding vector(dims) NOT NULL, with an HNSW index (vector_cosine_ops).

-- epsilon: added to every eigenvalue, relative to the largest, before the power -gamma/2.
-- eigenvalues holds all of the encoder's dimensions (descending, unregularised), so the share of
-- variance kept by `dims` columns can be reported.
ALTER TABLE whitening_models
    ADD COLUMN epsilon      float8      NOT NULL DEFAULT 0 CHECK (epsilon >= 0),
    ADD COLUMN activated_at timestamptz,
    ADD COLUMN retired_at   timestamptz;
