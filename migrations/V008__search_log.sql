-- The search log behind GET /admin/analytics: one row per search the service answered, or the Typecho plugin
-- answered itself (outcome 'fallback', reported by POST /admin/analytics/fallback). No visitor address is kept.
-- Rows older than Analytics:RetentionDays are purged by the service.
CREATE TABLE search_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    query       text        NOT NULL,
    -- Queries are counted together case-insensitively with runs of white space collapsed.
    query_key   text        GENERATED ALWAYS AS (lower(regexp_replace(btrim(query), '\s+', ' ', 'g'))) STORED,
    mode        text        NOT NULL,
    total       integer     CHECK (total >= 0),         -- null: a fallback whose result count the plugin did not say
    latency_ms  integer     CHECK (latency_ms >= 0),    -- null for fallbacks: the plugin's time is not the service's
    outcome     text        NOT NULL CHECK (outcome IN ('ok', 'degraded', 'error', 'fallback')),
    reason      text                                    -- why the plugin fell back
);
CREATE INDEX search_log_at ON search_log (at);

-- A visitor opened a result (POST /admin/analytics/click, sent by the plugin when the owner turned it on).
CREATE TABLE search_clicks (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    query       text        NOT NULL,
    query_key   text        GENERATED ALWAYS AS (lower(regexp_replace(btrim(query), '\s+', ' ', 'g'))) STORED,
    cid         bigint      NOT NULL CHECK (cid > 0)
);
CREATE INDEX search_clicks_at ON search_clicks (at);
