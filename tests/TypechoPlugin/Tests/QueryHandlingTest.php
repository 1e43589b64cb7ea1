<?php

use TypechoPlugin\SemanticSearch\Plugin;
use TypechoPlugin\SemanticSearch\ServiceClient;

/** What the plugin sends (always checked against the development stand-in, which records each request). */
final class QueryHandlingTest extends PluginTestCase
{
    /** @var string */
    private $log;

    protected function setUp(): void
    {
        parent::setUp();
        $this->log = TestEnv::workDir() . '/requests-' . $this->getName(false) . '.log';
        @unlink($this->log);
    }

    /** @dataProvider rawQueries */
    public function testTheRawQueryIsSentUrlEncoded(string $query, string $encoded): void
    {
        $url = TestEnv::devServer('ok', ['BSI_DEV_LOG' => $this->log]);
        $archive = $this->search($query, ['serviceUrl' => $url], 2, 7);

        $this->assertNotSame($query, $archive->keywords, 'Typecho hands the hook a mangled copy');
        $request = $this->lastRequest();
        $this->assertSame($query, $request['q']);
        $this->assertStringContainsString('q=' . $encoded . '&', $request['queryString']);
        $this->assertStringContainsString('&page=2&pageSize=7&mode=hybrid', $request['queryString']);
    }

    public function rawQueries(): array
    {
        return [
            'spaces and punctuation' => ['hello world C++', 'hello%20world%20C%2B%2B'],
            'Chinese with a space' => ['新词 算法', '%E6%96%B0%E8%AF%8D%20%E7%AE%97%E6%B3%95'],
            'markup' => ['<script>alert(1)</script>', '%3Cscript%3Ealert%281%29%3C%2Fscript%3E'],
            'ampersand and hash' => ['R&D #1 50%', 'R%26D%20%231%2050%25'],
        ];
    }

    public function testApiKeyIsSentAsHeader(): void
    {
        $url = TestEnv::devServer('ok', ['BSI_DEV_LOG' => $this->log]);
        $this->search('search', ['serviceUrl' => $url, 'apiKey' => 's3cret']);
        $this->assertSame('s3cret', $this->lastRequest()['apiKey']);
    }

    public function testNoApiKeyHeaderWhenNoneIsSet(): void
    {
        $url = TestEnv::devServer('ok', ['BSI_DEV_LOG' => $this->log]);
        $this->search('search', ['serviceUrl' => $url]);
        $this->assertNull($this->lastRequest()['apiKey']);
    }

    public function testOverlongQueryIsCutToWhatTheServiceAccepts(): void
    {
        $url = TestEnv::devServer('ok', ['BSI_DEV_LOG' => $this->log]);
        $this->search(str_repeat('算', 600), ['serviceUrl' => $url]);
        $this->assertSame('service', Plugin::source());
        $this->assertSame(512, mb_strlen($this->lastRequest()['q']));
    }

    public function testQueryIsEscapedForOutput(): void
    {
        $this->search('<script>alert("x")</script> & \'q\'', ['serviceUrl' => TestEnv::devServer('ok')]);
        $this->assertSame('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#039;q&#039;', Plugin::query());
        $this->assertStringNotContainsString('<', Plugin::query());
    }

    public function testASnippetWithAnyTagButMarkIsNotShown(): void
    {
        $archive = $this->search('semantic search', ['serviceUrl' => TestEnv::devServer('evilsnippet')]);
        $this->assertSame('', Plugin::snippet($archive->pushedCids()[0]), 'the theme shows its own excerpt instead');
        $this->assertSame('', Plugin::snippet(999999));
    }

    public function testTheServicesSafeSnippetPassesThroughUnchanged(): void
    {
        // The contract (README, HTTP API): escaped text with <mark> highlights, printed as sent — escaping it again
        // would show '&lt;' and '&amp;amp;' to visitors.
        foreach (['a &lt;b&gt; <mark>c</mark> &amp; d &quot;e&quot; &#39;f&#39;', '…<mark>新词</mark>发现…', 'plain'] as $safe) {
            $this->assertSame($safe, ServiceClient::safeSnippet($safe));
        }
        foreach (['<b>x</b>', '<mark onclick="x()">y</mark>', 'a > b', 'a & b', '"q"', '&#x3C;script&#x3E;', '<img src=x>'] as $unsafe) {
            $this->assertNull(ServiceClient::safeSnippet($unsafe), $unsafe);
        }
    }

    public function testSnippetIsEmptyAfterAFallback(): void
    {
        $archive = $this->search('search', ['serviceUrl' => TestEnv::closedPortUrl()]);
        $this->assertSame('', Plugin::snippet($archive->pushedCids()[0]));
    }

    private function lastRequest(): array
    {
        $lines = file($this->log, FILE_IGNORE_NEW_LINES);
        $this->assertNotEmpty($lines, 'the stand-in recorded the request');
        return json_decode(end($lines), true);
    }
}
