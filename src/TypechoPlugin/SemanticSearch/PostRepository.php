<?php

namespace TypechoPlugin\SemanticSearch;

/**
 * Reads posts a visitor may see, through Typecho's own Db query builder (so table prefix and quoting are Typecho's).
 *
 * "Visible" is what Typecho 1.2/1.3 `Widget\Archive` shows an anonymous visitor on a search page: type 'post',
 * status 'publish', no password (NULL or ''), and `created < now` (Archive::execute compares with `<`).
 * Logged-in authors do not get their own private or password posts here; the service never indexes those either.
 */
final class PostRepository
{
    /** @var object Typecho\Db (or Typecho_Db on 1.1): select(), fetchAll(), fetchObject() */
    private $db;

    /** @var int unix time that counts as "now" (Typecho's options->time) */
    private $now;

    /** @var string LIKE, or ILIKE on PostgreSQL, as Archive::searchHandle chooses */
    private $like = 'LIKE';

    public function __construct($db, int $now)
    {
        $this->db = $db;
        $this->now = $now;
        $driver = '';
        if (method_exists($db, 'getAdapter') && method_exists($db->getAdapter(), 'getDriver')) {
            $driver = (string) $db->getAdapter()->getDriver();      // Typecho 1.2, 1.3
        } elseif (method_exists($db, 'getAdapterName')) {
            $driver = (string) $db->getAdapterName();              // Typecho 1.1: 'Mysql', 'Pdo_Pgsql', ...
        }
        if (stripos($driver, 'pgsql') !== false) {
            $this->like = 'ILIKE';
        }
    }

    /**
     * Full `table.contents` rows for the given ids, in the given order, leaving out ids that are not visible.
     *
     * @param int[] $cids
     * @return array[]
     */
    public function visibleByCids(array $cids): array
    {
        $cids = array_values(array_unique(array_map('intval', $cids)));
        if (!$cids) {
            return [];
        }
        $rows = $this->db->fetchAll(
            $this->visible($this->db->select('table.contents.*')->from('table.contents'))
                ->where('table.contents.cid IN ?', $cids)
        );
        $byCid = [];
        foreach ($rows as $row) {
            $byCid[(int) $row['cid']] = $row;
        }
        $ordered = [];
        foreach ($cids as $cid) {
            if (isset($byCid[$cid])) {
                $ordered[] = $byCid[$cid];
            }
        }
        return $ordered;
    }

    /**
     * One page of the keyword fallback, newest first like Typecho.
     *
     * @param string[] $patterns LIKE patterns (see likePatterns()); a post matches when its title or text matches any
     * @return array[] full `table.contents` rows
     */
    public function keywordPage(array $patterns, int $page, int $pageSize): array
    {
        $select = $this->keywordWhere($this->db->select('table.contents.*'), $patterns)
            ->order('table.contents.created', 'DESC')
            ->page($page, $pageSize);
        return $this->db->fetchAll($select);
    }

    /** @param string[] $patterns */
    public function keywordCount(array $patterns): int
    {
        $row = $this->db->fetchObject(
            $this->keywordWhere($this->db->select(['COUNT(DISTINCT table.contents.cid)' => 'num']), $patterns)
        );
        return $row ? (int) $row->num : 0;
    }

    /**
     * The LIKE patterns for the fallback: Typecho's own (from the mangled `$keywords` argument, spaces turned into
     * `%` exactly as Archive::searchHandle does) and one from the raw query, so the fallback finds everything
     * Typecho's search would, plus posts matching the words the visitor actually typed.
     *
     * @return string[]
     */
    public static function likePatterns(string $rawQuery, string $typechoKeywords): array
    {
        $patterns = ['%' . str_replace(' ', '%', $typechoKeywords) . '%'];
        $raw = preg_replace('/\s+/u', ' ', trim($rawQuery));
        if ($raw !== null && $raw !== '') {
            $patterns[] = '%' . str_replace(' ', '%', $raw) . '%';
        }
        return array_values(array_unique($patterns));
    }

    private function keywordWhere($select, array $patterns)
    {
        $select = $this->visible($select->from('table.contents'));
        $conditions = [];
        $args = [];
        foreach ($patterns as $pattern) {
            $conditions[] = "table.contents.title {$this->like} ? OR table.contents.text {$this->like} ?";
            $args[] = $pattern;
            $args[] = $pattern;
        }
        return $select->where(implode(' OR ', $conditions), ...$args);
    }

    private function visible($select)
    {
        return $select
            ->where('table.contents.type = ?', 'post')
            ->where('table.contents.status = ?', 'publish')
            ->where("table.contents.password IS NULL OR table.contents.password = ''")
            ->where('table.contents.created < ?', $this->now);
    }
}
