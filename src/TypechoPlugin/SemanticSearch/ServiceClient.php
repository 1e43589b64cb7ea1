<?php

namespace TypechoPlugin\SemanticSearch;

/** Thrown when the service cannot answer usefully: down, slow, an error status, or a body that breaks the contract. */
final class ServiceUnavailable extends \RuntimeException
{
}

/** What `GET /search` returned, reduced to what the plugin uses. */
final class ServiceResult
{
    /** @var int matching visible posts over all pages */
    public $total;

    /** @var int[] post ids (Typecho cid) in the service's order */
    public $cids;

    /** @var array<int, string> snippet HTML from the service by cid, checked by ServiceClient::safeSnippet() */
    public $snippets;

    public function __construct(int $total, array $cids, array $snippets)
    {
        $this->total = $total;
        $this->cids = $cids;
        $this->snippets = $snippets;
    }
}

/**
 * Calls the BlogSemanticIndex service's `GET /search` with a hard time limit.
 *
 * The time limit covers connecting and reading together, because a visitor waits for it on every search page.
 * Uses ext-curl; without it every call reports the service as unavailable (and the plugin falls back).
 */
final class ServiceClient
{
    /** Longest query the service accepts (characters); longer ones would only earn a 400. */
    public const MAX_QUERY_CHARS = 512;

    /** @var string */
    private $baseUrl;

    /** @var string */
    private $apiKey;

    /** @var float */
    private $timeout;

    public function __construct(string $baseUrl, string $apiKey, float $timeoutSeconds)
    {
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->apiKey = $apiKey;
        $this->timeout = $timeoutSeconds;
    }

    /** The URL for a query; the query is sent as typed (RFC 3986 encoding: a space is %20, '+' is %2B). */
    public function searchUrl(string $query, int $page, int $pageSize, string $mode): string
    {
        return $this->baseUrl . '/search?' . http_build_query(
            ['q' => $query, 'page' => $page, 'pageSize' => $pageSize, 'mode' => $mode],
            '',
            '&',
            PHP_QUERY_RFC3986
        );
    }

    /**
     * @param string $query the visitor's raw query, non-empty
     * @param string $visitor the visitor's IP address, sent as X-Forwarded-For so the service limits each visitor
     *                        (not the whole blog, whose requests all come from this server); '' sends none
     * @throws ServiceUnavailable with the reason, for the log
     */
    public function search(string $query, int $page, int $pageSize, string $mode, string $visitor = ''): ServiceResult
    {
        $query = self::clean($query);
        if ($query === '') {
            throw new ServiceUnavailable('empty query');
        }
        $headers = [];
        if (filter_var($visitor, FILTER_VALIDATE_IP) !== false) {
            $headers[] = 'X-Forwarded-For: ' . $visitor;
        }
        if ($this->apiKey !== '') {
            $headers[] = 'X-Api-Key: ' . self::headerValue($this->apiKey);
        }
        return self::parse($this->get($this->searchUrl($query, $page, $pageSize, $mode), $headers));
    }

    /**
     * GET an authenticated `/admin/...` resource (the owner's page): its decoded JSON.
     *
     * @throws ServiceUnavailable with the reason, shown to the owner
     */
    public function admin(string $pathAndQuery, string $token): array
    {
        if ($token === '') {
            throw new ServiceUnavailable('no admin token in the plugin settings');
        }
        $json = json_decode($this->get($this->baseUrl . $pathAndQuery, ['Authorization: Bearer ' . self::headerValue($token)]), true, 64);
        if (!is_array($json)) {
            throw new ServiceUnavailable('invalid JSON from ' . $pathAndQuery . ': ' . json_last_error_msg());
        }
        return $json;
    }

    /**
     * Tells the service's search log that the plugin answered a search itself (`POST /admin/analytics/fallback`), so
     * the owner's page counts fallbacks. Best effort within this client's time limit: errors are ignored.
     */
    public function reportFallback(string $token, string $query, string $mode, string $reason, int $total, string $visitor = ''): void
    {
        if ($token === '' || !function_exists('curl_init')) {
            return;
        }
        $curl = curl_init($this->baseUrl . '/admin/analytics/fallback');
        $ms = max(1, (int) round($this->timeout * 1000));
        curl_setopt_array($curl, [
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => json_encode(['query' => self::clean($query), 'mode' => $mode, 'reason' => mb_substr($reason, 0, 200), 'total' => $total],
                JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE),
            // The visitor's address too, so the service's /admin limit counts each visitor, not the whole blog.
            CURLOPT_HTTPHEADER => array_merge(['Content-Type: application/json', 'Authorization: Bearer ' . self::headerValue($token)],
                filter_var($visitor, FILTER_VALIDATE_IP) !== false ? ['X-Forwarded-For: ' . $visitor] : []),
            CURLOPT_CONNECTTIMEOUT_MS => $ms,
            CURLOPT_TIMEOUT_MS => $ms,
            CURLOPT_NOSIGNAL => true,
        ]);
        curl_exec($curl);
        curl_close($curl);
    }

    /**
     * The service's `/healthz` (no credentials): for the settings page's connection check.
     *
     * @throws ServiceUnavailable with the reason
     */
    public function health(): array
    {
        $json = json_decode($this->get($this->baseUrl . '/healthz', [], [200, 503]), true, 64);
        if (!is_array($json)) {
            throw new ServiceUnavailable('/healthz did not answer JSON: ' . json_last_error_msg());
        }
        return $json;
    }

    /**
     * One GET within the time limit.
     *
     * @param string[] $headers
     * @param int[] $accepted statuses whose body is returned
     * @throws ServiceUnavailable
     */
    private function get(string $url, array $headers, array $accepted = [200]): string
    {
        if (!function_exists('curl_init')) {
            throw new ServiceUnavailable('the PHP curl extension is not installed');
        }
        $headers[] = 'Accept: application/json';
        $ms = max(1, (int) round($this->timeout * 1000));
        $curl = curl_init($url);
        curl_setopt_array($curl, [
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_CONNECTTIMEOUT_MS => $ms,
            CURLOPT_TIMEOUT_MS => $ms,
            // Without this, libcurl's resolver ignores sub-second timeouts on some builds.
            CURLOPT_NOSIGNAL => true,
            CURLOPT_USERAGENT => 'Typecho-SemanticSearch/1.1',
        ]);
        $body = curl_exec($curl);
        $error = curl_error($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);

        if ($body === false) {
            throw new ServiceUnavailable('request failed: ' . $error);
        }
        if (!in_array($status, $accepted, true)) {
            throw new ServiceUnavailable("HTTP {$status}: " . mb_substr((string) $body, 0, 200));
        }
        return (string) $body;
    }

    private static function headerValue(string $value): string
    {
        return str_replace(["\r", "\n"], '', $value);
    }

    /**
     * The service's snippet if it keeps the contract — escaped text with `<mark>`…`</mark>` as its only markup — so it
     * can be printed unchanged; null otherwise (the caller shows the post's own content instead).
     */
    public static function safeSnippet(string $snippet): ?string
    {
        $withoutMarks = str_replace(['<mark>', '</mark>'], '', $snippet);
        // No other tag, no stray '>' or '"' a browser could read as markup, and entities only in the forms escaping makes.
        if (preg_match('/[<>"]/', $withoutMarks) || preg_match('/&(?!(?:amp|lt|gt|quot|#0?39|#x27|apos);)/', $withoutMarks)) {
            return null;
        }
        return $snippet;
    }

    /**
     * Checks a 200 body against the contract and keeps what the plugin needs.
     *
     * @throws ServiceUnavailable when the body is not the documented JSON
     */
    public static function parse(string $body): ServiceResult
    {
        $json = json_decode($body, true, 16);
        if (!is_array($json)) {
            throw new ServiceUnavailable('invalid JSON: ' . json_last_error_msg());
        }
        if (!isset($json['total']) || !is_int($json['total']) || $json['total'] < 0) {
            throw new ServiceUnavailable("'total' is missing or not a non-negative integer");
        }
        if (!isset($json['hits']) || !is_array($json['hits'])) {
            throw new ServiceUnavailable("'hits' is missing or not an array");
        }

        $cids = [];
        $snippets = [];
        foreach ($json['hits'] as $i => $hit) {
            if (!is_array($hit) || !isset($hit['cid']) || !is_int($hit['cid']) || $hit['cid'] <= 0) {
                throw new ServiceUnavailable("hit {$i} has no positive integer 'cid'");
            }
            $cid = $hit['cid'];
            if (isset($snippets[$cid]) || in_array($cid, $cids, true)) {
                continue; // the contract gives one hit per post; tolerate a repeat rather than push a post twice
            }
            $cids[] = $cid;
            if (isset($hit['snippet']) && is_string($hit['snippet'])) {
                $snippets[$cid] = $hit['snippet'];
            }
        }

        return new ServiceResult(max($json['total'], count($cids)), $cids, $snippets);
    }

    /** Valid UTF-8, trimmed, at most MAX_QUERY_CHARS characters: what the service accepts. */
    public static function clean(string $query): string
    {
        if (function_exists('mb_scrub')) {
            $query = mb_scrub($query, 'UTF-8');
        }
        $query = trim($query);
        return function_exists('mb_substr') ? mb_substr($query, 0, self::MAX_QUERY_CHARS, 'UTF-8') : substr($query, 0, self::MAX_QUERY_CHARS);
    }
}
