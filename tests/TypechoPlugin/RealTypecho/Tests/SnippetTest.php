<?php

/** Highlighted snippets render: the service's safe HTML reaches the page once, in any theme's content. */
final class SnippetTest extends RealTypechoTestCase
{
    private const QUERY = 'htmlspecialchars script';

    protected function tearDown(): void
    {
        self::configure();
    }

    public function testTheSnippetReplacesTheContentWithMarksNotEscapedMarkup(): void
    {
        self::configure();
        $html = self::visitor()->search(self::QUERY);
        $this->assertSame('service', $html->headers['x-semantic-search'] ?? '');
        $this->assertSame(10, $html->postCids()[0] ?? null);
        $xpath = $html->xpath();
        $snippets = $xpath->query("//*[contains(@class, 'post-content')]//p[@class='semantic-search-snippet']");
        $this->assertGreaterThan(0, $snippets->length, 'the snippet is in the post content');
        $first = $snippets->item(0);
        $this->assertGreaterThan(0, $xpath->query('.//mark', $first)->length, 'highlighted words are <mark> elements');
        $this->assertStringContainsString('1 < 2 && 3 > 2', $first->textContent, "the post's '<', '&', '>' are shown as text");
        $this->assertSame(0, $xpath->query('.//script', $first)->length, "the post's raw <script> is not markup in the snippet");
        $this->assertStringNotContainsString('&lt;mark&gt;', $html->body);
        $this->assertStringNotContainsString('&amp;lt;', $html->body);
    }

    public function testSnippetsCanBeTurnedOff(): void
    {
        self::configure(['showSnippets' => '0']);
        $html = self::visitor()->search(self::QUERY);
        $this->assertSame(10, $html->postCids()[0] ?? null);
        $this->assertStringNotContainsString('semantic-search-snippet', $html->body);
        $this->assertStringContainsString('Use htmlspecialchars on everything', $html->body, "the post's own content");
    }

    /** In a real browser (Debian's chromium, headless): the visitor sees highlighted words and no markup as text. */
    public function testAVisitorSeesHighlightsAndNoMarkupInABrowser(): void
    {
        if (self::chromium() === '') {
            $this->markTestSkipped('chromium is not installed (scripts/setup.sh installs it)');
        }
        self::configure();
        $url = self::visitor()->url('index.php/search/' . rawurlencode(self::QUERY) . '/');
        // The DOM as the browser built it from the page: what a visitor is shown.
        $dom = self::runChromium('--dump-dom ' . escapeshellarg($url));
        $this->assertStringContainsString('<mark>', $dom, 'the browser built <mark> elements');
        $document = new DOMDocument();
        @$document->loadHTML('<?xml encoding="UTF-8">' . $dom);
        $snippet = (new DOMXPath($document))->query("//p[@class='semantic-search-snippet']")->item(0);
        $this->assertNotNull($snippet);
        $text = $snippet->textContent;
        $this->assertStringNotContainsString('<mark>', $text, 'no markup shown as text');
        $this->assertStringNotContainsString('&lt;', $text, 'no entity shown as text');
        $this->assertStringNotContainsString('&amp;', $text);
        self::screenshot($url, 'search-page.png');
    }
}
