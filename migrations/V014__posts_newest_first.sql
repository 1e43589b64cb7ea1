-- Typecho's own search lists its matches newest first. A substring query whose pieces are too short for the
-- trigram indexes (`in a`, `e`) matches most posts; walking the posts newest first lets it stop at the leg's limit
-- instead of checking every post and sorting them all (KeywordSearcher.FindSubstringMatchesAsync).
CREATE INDEX posts_newest_first ON posts (created_at DESC, cid DESC);
