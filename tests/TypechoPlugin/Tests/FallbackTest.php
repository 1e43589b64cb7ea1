<?php

use TypechoPlugin\SemanticSearch\Plugin;
use TypechoPlugin\SemanticSearch\PostRepository;

/** When the service cannot answer, visitors still get Typecho-style keyword results, within the timeout. */
final class FallbackTest extends PluginTestCase
{
    private const TIMEOUT = 0.5;
    private const SLACK = 0.5;

    public function testStoppedServiceFallsBackWithinTheTimeout(): void
    {
        $started = microtime(true);
        $archive = $this->search('search', ['serviceUrl' => TestEnv::closedPortUrl(), 'timeout' => (string) self::TIMEOUT], 1, 3);
        $elapsed = microtime(true) - $started;

        $this->assertLessThan(self::TIMEOUT + self::SLACK, $elapsed);
        $this->assertFallbackResults($archive, 'search', 1, 3);
        $this->assertStringContainsString('SemanticSearch: keyword fallback (request failed', TestEnv::errorLog());
    }

    public function testStoppedServiceSecondPage(): void
    {
        $archive = $this->search('search', ['serviceUrl' => TestEnv::closedPortUrl(), 'timeout' => (string) self::TIMEOUT], 2, 3);
        $this->assertFallbackResults($archive, 'search', 2, 3);
    }

    public function testSlowServiceFallsBackWithinTheTimeout(): void
    {
        $url = TestEnv::devServer('slow', ['BSI_DEV_SLEEP' => '3']);
        $started = microtime(true);
        $archive = $this->search('semantic search', ['serviceUrl' => $url, 'timeout' => (string) self::TIMEOUT]);
        $elapsed = microtime(true) - $started;

        $this->assertGreaterThanOrEqual(self::TIMEOUT - 0.05, $elapsed, 'it waited for the timeout');
        $this->assertLessThan(self::TIMEOUT + self::SLACK, $elapsed);
        $this->assertFallbackResults($archive, 'semantic search', 1, 10);
        $this->assertStringContainsString('timed out', TestEnv::errorLog());
    }

    /** @dataProvider brokenServices */
    public function testBrokenServiceFallsBack(string $behaviour, string $logged): void
    {
        $archive = $this->search('search', ['serviceUrl' => TestEnv::devServer($behaviour)], 1, 4);
        $this->assertFallbackResults($archive, 'search', 1, 4);
        $this->assertStringContainsString($logged, TestEnv::errorLog());
    }

    public function brokenServices(): array
    {
        return [
            'HTTP 500 problem details' => ['error500', 'HTTP 500'],
            'truncated JSON' => ['badjson', 'invalid JSON'],
            'JSON of the wrong shape' => ['badshape', "'total' is missing or not a non-negative integer"],
        ];
    }

    public function testWrongApiKeyFallsBack(): void
    {
        $url = TestEnv::devServer('ok', ['BSI_DEV_API_KEY' => 'right']);
        $archive = $this->search('search', ['serviceUrl' => $url, 'apiKey' => 'wrong']);
        $this->assertFallbackResults($archive, 'search', 1, 10);
        $this->assertStringContainsString('HTTP 401', TestEnv::errorLog());

        $this->search('search', ['serviceUrl' => $url, 'apiKey' => 'right']);
        $this->assertSame('service', Plugin::source());
    }

    public function testUnconfiguredPluginStillSearches(): void
    {
        $archive = $this->search('search', null);
        $this->assertFallbackResults($archive, 'search', 1, 10);
        $this->assertStringContainsString('serviceUrl is empty', TestEnv::errorLog());
    }

    /** Typecho's own search matches the mangled keywords; the fallback must find at least what it finds. */
    public function testFallbackFindsEverythingTypechosOwnSearchFinds(): void
    {
        foreach (['search', 'hello world C++', '新词', 'PHP', 'HNSW pgvector', 'k1'] as $query) {
            $own = new \Widget\Archive($query, 1, 100);
            $own->typechoOwnSearch(\Typecho\Common::filterSearchQuery(\Typecho\Common::safeUrl($query)));

            $archive = $this->search($query, ['serviceUrl' => TestEnv::closedPortUrl()], 1, 100);

            $this->assertSame([], array_diff($own->pushedCids(), $archive->pushedCids()), $query);
            $this->assertGreaterThanOrEqual($own->getTotal(), $archive->getTotal(), $query);
        }
    }

    public function testFallbackUsesTheWordsTheVisitorTyped(): void
    {
        // Typecho's own search looks for '%helloworldC%' and finds nothing.
        $own = new \Widget\Archive('hello world C++', 1, 10);
        $own->typechoOwnSearch('helloworldC');
        $this->assertSame([], $own->pushedCids());

        $archive = $this->search('hello world C++', ['serviceUrl' => TestEnv::closedPortUrl()]);
        $this->assertSame([5], $archive->pushedCids());
        $this->assertSame(1, $archive->getTotal());
    }

    public function testFallbackNeverPushesHiddenPosts(): void
    {
        $archive = $this->search('semantic search', ['serviceUrl' => TestEnv::closedPortUrl()], 1, 100);
        $this->assertNotEmpty($archive->pushedCids());
        $this->assertSame([], array_intersect(self::hiddenCids(), $archive->pushedCids()));
    }

    private function assertFallbackResults(\Widget\Archive $archive, string $query, int $page, int $pageSize): void
    {
        $this->assertSame('fallback', Plugin::source());
        $keywords = \Typecho\Common::filterSearchQuery(\Typecho\Common::safeUrl($query));
        [$cids, $total] = $this->expectedKeyword(PostRepository::likePatterns($query, $keywords), $page, $pageSize);
        $this->assertNotSame(0, $total, "the fixture has keyword matches for '{$query}'");
        $this->assertSame($cids, $archive->pushedCids());
        $this->assertSame($total, $archive->getTotal());
    }
}
