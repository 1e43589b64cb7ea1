<?php

use TypechoPlugin\SemanticSearch\Plugin;

/**
 * The search page around the results: Typecho builds title, page links and its canonical-URL redirect from the
 * filtered keywords, which would send the visitor (and the next service call) to `helloworldC`.
 */
final class SearchPageTest extends PluginTestCase
{
    public function testProtectedWidgetMembersAreNotReadableFromOutsideAsInTypecho(): void
    {
        $archive = new \Widget\Archive('x');
        $this->assertNull($archive->request, 'Typecho\Widget::__get returns null for its protected request');
    }

    public function testRawQueryKeepsItsPageLinksTitleAndIsNotRedirected(): void
    {
        $archive = $this->search('hello world C++', ['serviceUrl' => TestEnv::devServer('ok')]);

        $this->assertSame('helloworldC', $archive->keywords);
        $this->assertNull($archive->canonicalRedirect(), 'no redirect to /search/helloworldC/');
        $this->assertSame(['keywords' => 'hello+world+C%2B%2B'], $archive->getPageRow());
        $this->assertSame('hello world C++', $archive->getArchiveTitle());
    }

    public function testTitleIsEscapedBecauseThemesEchoIt(): void
    {
        $archive = $this->search('<img src=x onerror=alert(1)>', ['serviceUrl' => TestEnv::closedPortUrl()]);
        $this->assertSame('&lt;img src=x onerror=alert(1)&gt;', $archive->getArchiveTitle());
    }

    public function testPlainQueryLeavesTypechosPageAlone(): void
    {
        $archive = $this->search('pgvector', ['serviceUrl' => TestEnv::devServer('ok')]);
        $this->assertSame(['keywords' => 'pgvector'], $archive->getPageRow());
        $this->assertSame('pgvector', $archive->getArchiveTitle());
    }

    public function testSlashInQueryBecomesASpaceInPageLinks(): void
    {
        $archive = $this->search('TCP/IP stack', ['serviceUrl' => TestEnv::closedPortUrl()]);
        $this->assertSame(['keywords' => 'TCP+IP+stack'], $archive->getPageRow());
    }

    /** @dataProvider formQueries */
    public function testSearchFormGoesToTheSearchPageWithTheQueryAsTyped($s, ?string $expected): void
    {
        $target = Plugin::searchFormTarget($s, function (string $keywords) {
            return 'http://blog.example/index.php/search/' . $keywords . '/';
        });
        $this->assertSame($expected, $target);
    }

    public function formQueries(): array
    {
        return [
            'punctuation' => ['hello world C++', 'http://blog.example/index.php/search/hello+world+C%2B%2B/'],
            'Chinese' => ['新词 算法', 'http://blog.example/index.php/search/%E6%96%B0%E8%AF%8D+%E7%AE%97%E6%B3%95/'],
            'markup stays encoded' => ['<b>"x"</b>', 'http://blog.example/index.php/search/%3Cb%3E%22x%22%3C+b%3E/'],
            'empty' => ['', null],
            'blank' => ["  \t ", null],
            'not a string' => [['a'], null],
            'absent' => [null, null],
        ];
    }
}
