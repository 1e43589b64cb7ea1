<?php

use TypechoPlugin\SemanticSearch\Plugin;

/** Against the running service (BSI_SEARCH_URL when set, else the development stand-in). */
final class ServiceSearchTest extends PluginTestCase
{
    private const QUERY = 'semantic search';

    public function testFirstPageIsPushedInTheServicesOrderWithItsTotal(): void
    {
        $url = TestEnv::serviceUrl();
        $answer = TestEnv::serviceAnswer($url, self::QUERY, 1, 3);
        $this->assertGreaterThan(3, $answer['total'], 'the corpus must give this query more than one page');

        $archive = $this->search(self::QUERY, ['serviceUrl' => $url], 1, 3);

        $this->assertSame('service', Plugin::source());
        $this->assertSame(array_column($answer['hits'], 'cid'), $archive->pushedCids());
        $this->assertSame($answer['total'], $archive->getTotal());
        $this->assertSame((int) ceil($answer['total'] / 3), $archive->getTotalPage());
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
        $this->assertSame('service', Plugin::source());
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

    public function testOnlyVisiblePostsArePushed(): void
    {
        foreach ([self::QUERY, 'semantic search internals', 'Draft', 'Private diary', 'Scheduled post'] as $query) {
            $archive = $this->search($query, ['serviceUrl' => TestEnv::serviceUrl()], 1, 20);
            $this->assertSame('service', Plugin::source(), $query);
            $this->assertSame([], array_intersect(self::hiddenCids(), $archive->pushedCids()), $query);
        }
    }

    public function testEveryModeIsPassedThrough(): void
    {
        foreach (['hybrid', 'semantic', 'keyword'] as $mode) {
            $url = TestEnv::serviceUrl();
            $answer = TestEnv::serviceAnswer($url, self::QUERY, 1, 5, $mode);
            $archive = $this->search(self::QUERY, ['serviceUrl' => $url, 'mode' => $mode], 1, 5);
            $this->assertSame('service', Plugin::source(), $mode);
            $this->assertSame(array_column($answer['hits'], 'cid'), $archive->pushedCids(), $mode);
        }
    }
}
