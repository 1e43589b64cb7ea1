<?php

use TypechoPlugin\SemanticSearch\Plugin;

/** A service that names hidden posts (stale index, bug) must not get them shown: the plugin re-checks in Typecho's database. */
final class VisibilityTest extends PluginTestCase
{
    public function testHiddenDraftPrivatePasswordAndFuturePostsAreNeverPushed(): void
    {
        $url = TestEnv::devServer('leak');
        $answer = TestEnv::serviceAnswer($url, 'semantic search', 1, 50);
        $returned = array_column($answer['hits'], 'cid');
        $this->assertNotEmpty(array_intersect(self::hiddenCids(), $returned), 'the leaking stand-in returns hidden posts');

        $archive = $this->search('semantic search', ['serviceUrl' => $url], 1, 50);

        $this->assertSame('service', Plugin::source());
        $this->assertSame([], array_intersect(self::hiddenCids(), $archive->pushedCids()));
        $expected = array_values(array_diff($returned, self::hiddenCids()));
        $this->assertSame($expected, $archive->pushedCids(), 'visible posts keep the service order');
        $this->assertSame($answer['total'] - (count($returned) - count($expected)), $archive->getTotal());
    }

    public function testEmptyPasswordCountsAsNoPassword(): void
    {
        $archive = $this->search('Notes on search engines', ['serviceUrl' => TestEnv::devServer('leak')], 1, 50);
        $this->assertContains(14, $archive->pushedCids());
    }

    /** The running service (the real one in CI) indexed post 9 while it was visible; keyword mode names only it. */
    public function testPostHiddenAfterIndexingDisappears(): void
    {
        $settings = ['serviceUrl' => TestEnv::serviceUrl(), 'mode' => 'keyword'];
        $before = $this->search('BM25', $settings);
        $this->assertSame('service', Plugin::source());
        $this->assertContains(9, $before->pushedCids());

        // Typecho's "now" moves back before post 9 was published: to Typecho it is a scheduled post again.
        \Widget\Options::alloc()->time = time() - 40 * 86400;
        $after = $this->search('BM25', $settings);
        $this->assertSame('service', Plugin::source());
        $this->assertNotContains(9, $after->pushedCids());
        $this->assertSame($before->getTotal() - 1, $after->getTotal(), 'the total no longer counts it');
    }
}
