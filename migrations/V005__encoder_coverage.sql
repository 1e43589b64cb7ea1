-- What the encoder can read of each chunk (issue 13): letters per script and how many of them reach the model as
-- pieces of a script its vocabulary was built for, e.g. {"Han": [120, 0], "Latin": [30, 30]}. Measured with the
-- tokenizer of the encoder that cut and embedded the chunk; NULL for chunks written before this migration (a
-- reindex fills them). bsi status and /admin/status sum it per script.
ALTER TABLE chunks ADD COLUMN script_chars jsonb;
