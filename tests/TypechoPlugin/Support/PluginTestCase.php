<?php

use PHPUnit\Framework\TestCase;
use Typecho\Db;
use TypechoPlugin\SemanticSearch\Plugin;
use Widget\Archive;
use Widget\Options;

/** Runs a search page the way Typecho does, with the plugin enabled and the given settings. */
abstract class PluginTestCase extends TestCase
{
    /** @var Db */
    protected $db;

    protected function setUp(): void
    {
        \Typecho\Plugin::reset();
        $this->db = new Db(new PDO('sqlite:' . TestEnv::dbPath()));
        Db::set($this->db);
        Options::alloc()->time = time();
        Options::alloc()->plugins = [];
        Plugin::activate();
    }

    protected function tearDown(): void
    {
        Db::set(null);
    }

    /**
     * @param array<string, string>|null $settings plugin settings; null: the plugin was never configured
     */
    protected function search(string $query, ?array $settings, int $page = 1, int $pageSize = 10): Archive
    {
        if ($settings === null) {
            unset(Options::alloc()->plugins[Plugin::NAME]);
        } else {
            Options::alloc()->plugins[Plugin::NAME] = $settings + ['apiKey' => '', 'timeout' => '1.5', 'mode' => 'hybrid'];
        }
        $archive = new Archive($query, $page, $pageSize);
        $this->assertTrue($archive->searchHandle(), 'the plugin handled the search hook');
        // Would throw if the plugin had not called setTotal(): Typecho's navigator needs it.
        $archive->getTotal();
        return $archive;
    }

    /**
     * The fallback's expected rows, computed independently of the plugin: visible posts whose title or text
     * contains any pattern, newest first.
     *
     * @param string[] $patterns
     * @return array{0: int[], 1: int} [cids of the page, total]
     */
    protected function expectedKeyword(array $patterns, int $page, int $pageSize): array
    {
        $pdo = new PDO('sqlite:' . TestEnv::dbPath());
        $like = [];
        $args = [];
        foreach ($patterns as $p) {
            $like[] = '(title LIKE ? OR text LIKE ?)';
            $args[] = $p;
            $args[] = $p;
        }
        $sql = "SELECT cid FROM typecho_contents WHERE type = 'post' AND status = 'publish'"
            . " AND (password IS NULL OR password = '') AND created < ? AND (" . implode(' OR ', $like) . ')'
            . ' ORDER BY created DESC';
        $st = $pdo->prepare($sql);
        $st->execute(array_merge([Options::alloc()->time], $args));
        $all = array_map('intval', $st->fetchAll(PDO::FETCH_COLUMN));
        return [array_slice($all, ($page - 1) * $pageSize, $pageSize), count($all)];
    }

    /** @return int[] */
    protected static function hiddenCids(): array
    {
        return array_keys(FixtureBlog::HIDDEN);
    }

    /** @return int[] */
    protected static function visibleCids(): array
    {
        return array_keys(FixtureBlog::VISIBLE);
    }
}
