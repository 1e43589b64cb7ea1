-- Each whitening version's reduced vectors (chunk_vectors_w<version>) as the service now writes them: halfvec
-- instead of vector (half the bytes: the table and its HNSW index stay in shared buffers, each distance reads half
-- the memory), and the chunk's post id beside them, so the semantic leg's ANN scan needs no join to chunks.
-- Existing tables are converted in place; their HNSW index is rebuilt with its own m and ef_construction
-- (seconds to a minute per 100,000 chunks). A chunk's post never changes (an edited post gets new chunks), and
-- the foreign key to chunks still removes the row with its chunk, so cid stays right.
DO $$
DECLARE
    version record;
    index_name text;
    build_options text;
BEGIN
    FOR version IN
        SELECT w.reduced_table AS name, w.dims
        FROM whitening_models w
        WHERE to_regclass(w.reduced_table) IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                          WHERE c.table_schema = current_schema() AND c.table_name = w.reduced_table AND c.column_name = 'cid')
    LOOP
        index_name := version.name || '_embedding_hnsw';
        SELECT coalesce(array_to_string(i.reloptions, ', '), 'm = 16, ef_construction = 64') INTO build_options
        FROM pg_class i WHERE i.oid = to_regclass(index_name);
        EXECUTE format('DROP INDEX IF EXISTS %I', index_name);
        EXECUTE format('ALTER TABLE %I ADD COLUMN cid bigint', version.name);
        EXECUTE format('UPDATE %I v SET cid = c.cid FROM chunks c WHERE c.id = v.chunk_id', version.name);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN cid SET NOT NULL, ALTER COLUMN embedding TYPE halfvec(%s) USING embedding::halfvec(%s)',
                       version.name, version.dims, version.dims);
        EXECUTE format('CREATE INDEX %I ON %I USING hnsw (embedding halfvec_cosine_ops) WITH (%s)',
                       index_name, version.name, coalesce(build_options, 'm = 16, ef_construction = 64'));
        EXECUTE format('ANALYZE %I', version.name);
    END LOOP;
END $$;
