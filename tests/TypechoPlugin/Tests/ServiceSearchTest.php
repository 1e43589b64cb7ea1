<?php

use TypechoPlugin\SemanticSearch\Plugin;

/**
 * Against the running service (BSI_SEARCH_URL when set, as in CI, where with-real-service.sh starts `bsi serve`;
 * else the development stand-in). The service's own answer, fetched without the plugin, is the oracle for order
 * and totals.
 */
final class ServiceSearchTest extends PluginTestCase
{
    private const QUERY = 'semantic search';

    public function testFirstPageIsPushedInTheServicesOrderWithItsTotal(): void
    {
        $url = TestEnv::serviceUrl();
        $answer = TestEnv::serviceAnswer($url, self::QUERY, 1, 3);
        $this->assertGreaterThan(3, $answer['total'], 'the corpus must give this query more than one page');

        $archive = $this->search(self::QUERY, ['serviceUrl' => $url], 1, 3);

        $this->assertServed(self::QUERY);
        $this->assertSame(array_column($answer['hits'], 'cid'), $archive->pushedCids());
        $this->assertSame($answer['total'], $archive->getTotal());
        $this->assertSame((int) ceil($answer['total'] / 3), $archive->getTotalPage());
    }

    /** Page by page, the plugin lists every result once, in the order of the service's ranking, and the total holds. */
    public function testWalkingEveryPageListsEachResultOnceInTheServicesOrder(): void
    {
        $url = TestEnv::serviceUrl();
        $total = TestEnv::serviceAnswer($url, self::QUERY, 1, 3)['total'];
        $pages = (int) ceil($total / 3);
        $this->assertGreaterThan(2, $pages, 'the corpus must give this query several pages');

        $pushed = [];
        $scores = [];
        for ($page = 1; $page <= $pages; $page++) {
            $archive = $this->search(self::QUERY, ['serviceUrl' => $url], $page, 3);
            $this->assertServed(self::QUERY . " page {$page}");
            $this->assertSame($total, $archive->getTotal(), "total on page {$page}");
            $this->assertSame($pages, $archive->getTotalPage(), "page count on page {$page}");
            $pushed = array_merge($pushed, $archive->pushedCids());
            $scores = array_merge($scores, array_column(TestEnv::serviceAnswer($url, self::QUERY, $page, 3)['hits'], 'score'));
        }

        $this->assertCount($total, $pushed, 'the pages together hold exactly the total');
        $this->assertSame(array_values(array_unique($pushed)), $pushed, 'no post on two pages');
        $sorted = $scores;
        rsort($sorted);
        $this->assertSame($sorted, $scores, 'scores never rise from one result, or page, to the next');
        $this->assertSame(array_column(TestEnv::serviceAnswer($url, self::QUERY, 1, $total)['hits'], 'cid'), $pushed,
            'the same order as one page holding everything');
    }

    public function testSecondPageContinuesWhereTheFirstStopped(): void
    {
        $url = TestEnv::serviceUrl();
        $answer = TestEnv::serviceAnswer($url, self::QUERY, 2, 3);
        $first = $this->search(self::QUERY, ['serviceUrl' => $url], 1, 3)->pushedCids();

        $archive = $this->search(self::QUERY, ['serviceUrl' => $url], 2, 3);

        $this->assertSame(array_column($answer['hits'], 'cid'), $archive->pushedCids());
        $this->assertSame([], array_intersect($first, $archive->pushedCids()), 'no post on both pages');
        $this->assertSame($answer['total'], $archive->getTotal());
    }

    public function testPushedRowsAreFullContentsRows(): void
    {
        $archive = $this->search(self::QUERY, ['serviceUrl' => TestEnv::serviceUrl()], 1, 3);
        $this->assertServed(self::QUERY);
        $this->assertNotEmpty($archive->stack);
        foreach (['cid', 'title', 'slug', 'created', 'modified', 'text', 'authorId', 'type', 'status', 'password', 'allowComment', 'parent'] as $column) {
            $this->assertArrayHasKey($column, $archive->stack[0]);
        }
    }

    public function testPagePastTheEndPushesNothingButKeepsTheTotal(): void
    {
        $url = TestEnv::serviceUrl();
        $answer = TestEnv::serviceAnswer($url, self::QUERY, 1, 3);
        $archive = $this->search(self::QUERY, ['serviceUrl' => $url], 50, 3);
        $this->assertSame([], $archive->pushedCids());
        $this->assertSame($answer['total'], $archive->getTotal());
    }

    /** The service itself never names a draft, private, hidden, password-protected, scheduled post or a page. */
    public function testOnlyVisiblePostsAreReturnedAndPushed(): void
    {
        $url = TestEnv::serviceUrl();
        $queries = array_merge([self::QUERY, 'semantic search internals', 'Draft', 'Private diary', 'Scheduled post'],
            array_column(FixtureBlog::HIDDEN, 0));
        foreach ($queries as $query) {
            foreach (['hybrid', 'keyword'] as $mode) {
                $answer = TestEnv::serviceAnswer($url, $query, 1, 20, $mode);
                $returned = array_column($answer['hits'], 'cid');
                $this->assertSame([], array_intersect(self::hiddenCids(), $returned), "service, {$mode}: {$query}");

                $archive = $this->search($query, ['serviceUrl' => $url, 'mode' => $mode], 1, 20);
                $this->assertServed("{$mode}: {$query}");
                $this->assertSame($returned, $archive->pushedCids(), "{$mode}: {$query}");
                $this->assertSame($answer['total'], $archive->getTotal(), "{$mode}: {$query}");
            }
        }
    }

    /** Every visible post is in the index, the one with an empty password (Typecho shows it) included. */
    public function testEveryVisiblePostIsFoundByItsTitle(): void
    {
        $url = TestEnv::serviceUrl();
        foreach (FixtureBlog::VISIBLE as $cid => [$title]) {
            $archive = $this->search($title, ['serviceUrl' => $url, 'mode' => 'keyword'], 1, 20);
            $this->assertServed($title);
            $this->assertContains($cid, $archive->pushedCids(), $title);
        }
    }

    /** Chinese has no spaces: the service must find posts by the words inside a run of characters. */
    public function testChineseQueryFindsPostsByTheirWords(): void
    {
        $url = TestEnv::serviceUrl();
        foreach (['新词算法', '新词 算法'] as $query) {
            $archive = $this->search($query, ['serviceUrl' => $url, 'mode' => 'keyword']);
            $this->assertServed($query);
            $this->assertEqualsCanonicalizing([6, 7], $archive->pushedCids(), "keyword: {$query}");
            $this->assertSame(2, $archive->getTotal(), "keyword: {$query}");

            $answer = TestEnv::serviceAnswer($url, $query, 1, 10);
            $archive = $this->search($query, ['serviceUrl' => $url]);
            $this->assertServed($query);
            $this->assertSame(array_column($answer['hits'], 'cid'), $archive->pushedCids(), "hybrid: {$query}");
            $this->assertEqualsCanonicalizing([6, 7], array_slice($archive->pushedCids(), 0, 2), "hybrid, first two: {$query}");
        }
    }

    public function testEveryModeIsPassedThrough(): void
    {
        foreach (['hybrid', 'semantic', 'keyword'] as $mode) {
            $url = TestEnv::serviceUrl();
            $answer = TestEnv::serviceAnswer($url, self::QUERY, 1, 5, $mode);
            $archive = $this->search(self::QUERY, ['serviceUrl' => $url, 'mode' => $mode], 1, 5);
            $this->assertServed($mode);
            $this->assertSame(array_column($answer['hits'], 'cid'), $archive->pushedCids(), $mode);
            $this->assertSame($answer['total'], $archive->getTotal(), $mode);
        }
    }

    /** The service answered (no fallback); otherwise the failure names the fallback's logged reason. */
    private function assertServed(string $context): void
    {
        $log = trim(TestEnv::errorLog());
        $last = $log === '' ? '' : substr($log, (int) strrpos("\n" . $log, "\n"));
        $this->assertSame('service', Plugin::source(), "{$context}: {$last}");
    }
}
