<?php

/** Search pages of the real site with the plugin on: the service's order and totals, and never a hidden post. */
final class SearchPagesTest extends RealTypechoTestCase
{
    protected function setUp(): void
    {
        self::configure();
    }

    public function testEveryPageIsTheServicesPageAndNoPostRepeats(): void
    {
        $visitor = self::visitor();
        $first = self::serviceAnswer('search', 1);
        $total = $first['total'];
        $this->assertGreaterThan(2 * self::PAGE_SIZE, $total, 'the fixture gives several pages');
        $pages = (int) ceil($total / self::PAGE_SIZE);
        $seen = [];
        for ($page = 1; $page <= $pages; $page++) {
            $html = $visitor->search('search', $page);
            $this->assertSame(200, $html->status);
            $this->assertSame('service', $html->headers['x-semantic-search'] ?? '');
            $this->assertSame(self::serviceCids(self::serviceAnswer('search', $page)), $html->postCids(), "page {$page}");
            $this->assertSame($pages, $html->lastPage(), "page {$page}'s navigator counts the service's total");
            $seen = array_merge($seen, $html->postCids());
        }
        $this->assertSame(count($seen), count(array_unique($seen)), 'no post on two pages');
        $this->assertCount($total, $seen, 'every post of the total is on some page');
    }

    public function testHiddenPostsAreNeverShown(): void
    {
        $visitor = self::visitor();
        $queries = ['semantic search', 'semantic search internals'];
        foreach (FixtureBlog::HIDDEN as [$title]) {
            $queries[] = $title;
        }
        foreach ($queries as $query) {
            foreach (['hybrid', 'keyword', 'semantic'] as $mode) {
                $pages = max(1, (int) ceil(self::serviceAnswer($query, 1, $mode)['total'] / self::PAGE_SIZE));
                for ($page = 1; $page <= min($pages, 6); $page++) {
                    $html = $visitor->search($query, $page);
                    $this->assertSame([], array_intersect($html->postCids(), array_keys(FixtureBlog::HIDDEN)), "'{$query}' page {$page}");
                    foreach (FixtureBlog::HIDDEN as [$title, , $type]) {
                        if ($type === 'page') {
                            continue;   // a published page is public: the theme's menu links it on every page
                        }
                        $this->assertStringNotContainsString($title, str_replace(htmlspecialchars($query), '', $html->body), "'{$query}' page {$page}");
                    }
                }
                if ($mode === 'hybrid') {
                    self::configure(['mode' => 'keyword']);
                } elseif ($mode === 'keyword') {
                    self::configure(['mode' => 'semantic']);
                }
            }
            self::configure();
        }
    }

    public function testAPostMadePrivateOrDeletedDisappears(): void
    {
        $visitor = self::visitor();
        $db = self::db();
        $cid = 8;
        $query = 'Raspberry Pi home server';
        $this->assertContains($cid, $visitor->search($query)->postCids());

        $db->exec("UPDATE typecho_contents SET status = 'private' WHERE cid = {$cid}");
        $this->assertNotContains($cid, $visitor->search($query)->postCids(), 'private at once (the plugin re-checks visibility)');
        $this->assertTrue(self::eventually(function () use ($query, $cid) {
            return !in_array($cid, self::serviceCids(self::serviceAnswer($query, 1)), true);
        }, 15), 'the service drops the private post within a few polls');
        $db->exec("UPDATE typecho_contents SET status = 'publish' WHERE cid = {$cid}");
        $this->assertTrue(self::eventually(function () use ($visitor, $query, $cid) {
            return in_array($cid, $visitor->search($query)->postCids(), true);
        }, 15), 'published again: found again');

        $row = $db->query("SELECT * FROM typecho_contents WHERE cid = {$cid}")->fetch(PDO::FETCH_ASSOC);
        $db->exec("DELETE FROM typecho_contents WHERE cid = {$cid}");
        try {
            $this->assertNotContains($cid, $visitor->search($query)->postCids(), 'deleted: gone at once');
            $this->assertTrue(self::eventually(function () use ($query, $cid) {
                return !in_array($cid, self::serviceCids(self::serviceAnswer($query, 1)), true);
            }, 15), 'the service drops the deleted post');
        } finally {
            $quote = $db->getAttribute(PDO::ATTR_DRIVER_NAME) === 'mysql' ? '`' : '"';
            $columns = array_map(static function (string $column) use ($quote): string {
                return $quote . $column . $quote;           // "order" is a keyword
            }, array_keys($row));
            $db->prepare('INSERT INTO typecho_contents (' . implode(', ', $columns) . ') VALUES ('
                . implode(', ', array_fill(0, count($columns), '?')) . ')')->execute(array_values($row));
        }
        $this->assertTrue(self::eventually(function () use ($visitor, $query, $cid) {
            return in_array($cid, $visitor->search($query)->postCids(), true);
        }, 15), 'restored: found again');
    }

    public function testChineseQuery(): void
    {
        $html = self::visitor()->search('新词');
        $this->assertSame('service', $html->headers['x-semantic-search'] ?? '');
        $this->assertSame(6, $html->postCids()[0] ?? null, '新词 finds 新词发现与分词 first');
        $this->assertSame(self::serviceCids(self::serviceAnswer('新词', 1)), $html->postCids());
    }

    public function testPercentAndUnderscoreAreSearchedAsText(): void
    {
        foreach (['100%', 'ef_search', '%_%'] as $query) {
            $html = self::visitor()->search($query);
            $this->assertSame(200, $html->status, $query);
            $this->assertSame('service', $html->headers['x-semantic-search'] ?? '', $query);
            $this->assertSame(self::serviceCids(self::serviceAnswer($query, 1)), $html->postCids(), $query);
        }
        $this->assertSame(1, self::visitor()->search('ef_search')->postCids()[0] ?? null, 'ef_search finds the pgvector post first');
    }

    public function testNonsenseQueryAnswersTheServicesResult(): void
    {
        $html = self::visitor()->search('zzznotaword');
        $this->assertSame(200, $html->status);
        $this->assertSame('service', $html->headers['x-semantic-search'] ?? '');
        $this->assertSame(self::serviceCids(self::serviceAnswer('zzznotaword', 1)), $html->postCids());
    }

    public function testQueryIsEscapedInThePage(): void
    {
        $html = self::visitor()->search('<img src=x onerror=alert(1)>');
        $this->assertSame(200, $html->status);
        $this->assertStringNotContainsString('<img src=x', $html->body);
        $this->assertStringContainsString('&lt;img src=x', $html->body);
    }
}
