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

    /** @var array<int, string> snippet HTML from the service by cid; only <mark> is meant as markup */
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
     * @throws ServiceUnavailable with the reason, for the log
     */
    public function search(string $query, int $page, int $pageSize, string $mode): ServiceResult
    {
        if (!function_exists('curl_init')) {
            throw new ServiceUnavailable('the PHP curl extension is not installed');
        }
        $query = self::clean($query);
        if ($query === '') {
            throw new ServiceUnavailable('empty query');
        }

        $headers = ['Accept: application/json'];
        if ($this->apiKey !== '') {
            $headers[] = 'X-Api-Key: ' . str_replace(["\r", "\n"], '', $this->apiKey);
        }
        $ms = max(1, (int) round($this->timeout * 1000));
        $curl = curl_init($this->searchUrl($query, $page, $pageSize, $mode));
        curl_setopt_array($curl, [
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_CONNECTTIMEOUT_MS => $ms,
            CURLOPT_TIMEOUT_MS => $ms,
            // Without this, libcurl's resolver ignores sub-second timeouts on some builds.
            CURLOPT_NOSIGNAL => true,
            CURLOPT_USERAGENT => 'Typecho-SemanticSearch/1.0',
        ]);
        $body = curl_exec($curl);
        $error = curl_error($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);

        if ($body === false) {
            throw new ServiceUnavailable('request failed: ' . $error);
        }
        if ($status !== 200) {
            throw new ServiceUnavailable("HTTP {$status}: " . mb_substr((string) $body, 0, 200));
        }

        return self::parse((string) $body);
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
