<?php

namespace TypechoPlugin\SemanticSearch;

/** What one search request did; kept for the theme helpers on Plugin and for tests. */
final class SearchOutcome
{
    public const SERVICE = 'service';
    public const FALLBACK = 'fallback';

    /** @var string SERVICE or FALLBACK */
    public $source;

    /** @var string the visitor's raw query (unescaped: escape before output) */
    public $query;

    /** @var int total given to the archive for pagination */
    public $total;

    /** @var int[] pushed cids, in order */
    public $cids;

    /** @var array<int, string> service snippets by cid (raw; see Plugin::snippet()) */
    public $snippets;

    /** @var string why the fallback ran; '' when the service answered */
    public $reason;

    /** @var string Typecho's filtered keywords (the hook's first argument) */
    public $keywords;

    public function __construct(string $source, string $query, int $total, array $cids, array $snippets, string $reason, string $keywords = '')
    {
        $this->source = $source;
        $this->query = $query;
        $this->keywords = $keywords;
        $this->total = $total;
        $this->cids = $cids;
        $this->snippets = $snippets;
        $this->reason = $reason;
    }
}

/**
 * The `search` hook's work: ask the service, push the visible posts it names in its order, and fall back to
 * Typecho's keyword search (re-implemented, since a registered handler switches Typecho's own off) when the service
 * is not configured, down, slow, or answers with anything but the documented 200 JSON.
 */
final class SearchHandler
{
    /** @var Settings */
    private $settings;

    /** @var PostRepository */
    private $posts;

    /** @var ServiceClient|null null when no service is configured */
    private $client;

    /** @var callable(string): void */
    private $log;

    /** @var string the current request's filtered keywords */
    private $keywords = '';

    public function __construct(Settings $settings, PostRepository $posts, ?ServiceClient $client, callable $log)
    {
        $this->settings = $settings;
        $this->posts = $posts;
        $this->client = $client;
        $this->log = $log;
    }

    /**
     * @param string $keywords Typecho's filtered keywords (spaces removed, punctuation mangled); used for the fallback
     * @param object $archive Widget\Archive: request, parameter, getCurrentPage(), push(), setTotal()
     * @param string $visitor the visitor's IP address for the service's per-visitor limit; '' for none
     */
    public function handle(string $keywords, $archive, string $visitor = ''): SearchOutcome
    {
        $this->keywords = $keywords;
        $query = self::rawQuery($archive, $keywords);
        $page = max(1, (int) $archive->getCurrentPage());
        $parameter = self::widgetProperty($archive, 'parameter');
        $pageSize = is_object($parameter) ? (int) $parameter->pageSize : 0;
        if ($pageSize < 1) {
            $pageSize = 10;
        }

        $reason = '';
        $outcome = null;
        if ($this->client === null) {
            $reason = 'no service configured: ' . implode('; ', $this->settings->problems());
        } elseif (ServiceClient::clean($query) === '') {
            $reason = 'empty query';
        } else {
            try {
                $result = $this->client->search($query, $page, $pageSize, $this->settings->mode, $visitor);
                $rows = $this->posts->visibleByCids($result->cids);
                // The service only indexes visible posts, but a post may have been hidden since it was indexed.
                $dropped = count($result->cids) - count($rows);
                $outcome = $this->push($archive, $rows, max(0, $result->total - $dropped), SearchOutcome::SERVICE, $query, $result->snippets, '');
            } catch (ServiceUnavailable $e) {
                $reason = $e->getMessage();
            }
        }

        if ($outcome === null) {
            // Degrade, but say so: one line per fallback search in the PHP error log.
            ($this->log)('SemanticSearch: keyword fallback (' . $reason . ')');
            $patterns = PostRepository::likePatterns($query, $keywords);
            $rows = $this->posts->keywordPage($patterns, $page, $pageSize);
            $outcome = $this->push($archive, $rows, $this->posts->keywordCount($patterns), SearchOutcome::FALLBACK, $query, [], $reason);
        }

        return $outcome;
    }

    /**
     * The query as the visitor typed it. Typecho hands the hook a filtered copy (`hello world C++` becomes
     * `helloworldC`); the route parameter itself is unfiltered. Falls back to the filtered copy when absent.
     */
    public static function rawQuery($archive, string $keywords): string
    {
        $raw = null;
        $request = self::widgetProperty($archive, 'request');
        if (is_object($request)) {
            $raw = $request->get('keywords');
        }
        return is_string($raw) && trim($raw) !== '' ? trim($raw) : $keywords;
    }

    /**
     * Reads a widget's `request` or `parameter`. Typecho declares both protected, and from outside the class
     * `$archive->request` goes to Widget::__get, which looks in the current row and returns null; a closure bound
     * to the widget's class reads the property itself.
     *
     * @return mixed null when the widget has no such property
     */
    public static function widgetProperty($widget, string $name)
    {
        $read = function () use ($name) {
            return property_exists($this, $name) ? $this->{$name} : null;
        };
        return \Closure::bind($read, $widget, get_class($widget))();
    }

    private function push($archive, array $rows, int $total, string $source, string $query, array $snippets, string $reason): SearchOutcome
    {
        $cids = [];
        foreach ($rows as $row) {
            $archive->push($row);
            $cids[] = (int) $row['cid'];
        }
        // Always: without an explicit total Typecho's page navigator fails on a pushed search archive.
        $archive->setTotal($total);
        return new SearchOutcome($source, $query, $total, $cids, array_intersect_key($snippets, array_flip($cids)), $reason, $this->keywords);
    }
}
