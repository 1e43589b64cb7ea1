<?php

/** The owner's page in Typecho's admin: index health and search analytics, for administrators only. */
final class OwnerPageTest extends RealTypechoTestCase
{
    private const PANEL = 'admin/extending.php?panel=SemanticSearch%2FPanel.php';

    protected function tearDown(): void
    {
        self::configure();
    }

    public function testAnAdministratorSeesHealthAndAZeroResultQuery(): void
    {
        // Keyword mode: a word no post contains has no result there, whatever the semantic leg's floor.
        self::configure(['mode' => 'keyword']);
        $query = 'qqzx' . bin2hex(random_bytes(3));
        $search = self::visitor()->search($query);
        $this->assertSame('service', $search->headers['x-semantic-search'] ?? '');
        $this->assertSame([], $search->postCids());

        $admin = self::admin();
        $this->assertTrue(self::eventually(function () use ($admin, $query) {
            $page = $admin->get(self::PANEL . '&days=1');
            return $page->status === 200 && strpos($this->zeroResultQueries($page), $query) !== false;
        }, 10), "the zero-result query '{$query}' is listed on the owner's page");

        $page = $admin->get(self::PANEL);
        $posts = $page->xpath()->query("//*[@id='health-posts']")->item(0);
        $this->assertNotNull($posts, 'index health is shown');
        $this->assertSame((string) count(FixtureBlog::VISIBLE), trim($posts->textContent));
        $this->assertStringNotContainsString(self::env('BSI_ADMIN_TOKEN'), $page->body, 'the admin token stays on the server');
        $this->assertNotNull($page->xpath()->query("//*[@id='analytics-summary']")->item(0));
        self::screenshot($page->body, 'owner-page.png');
    }

    public function testAContributorIsRefused(): void
    {
        $contributor = self::visitor();
        $contributor->login('contributor', self::env('BSI_RT_CONTRIBUTOR_PASSWORD'));
        $page = $contributor->get(self::PANEL);
        $this->assertNotSame(200, $page->status, "a contributor does not get the owner's page");
        $this->assertStringNotContainsString('health-posts', $page->body);
    }

    private function zeroResultQueries(SiteResponse $page): string
    {
        $heading = $page->xpath()->query("//*[@id='zero-results']/following-sibling::*[1]")->item(0);
        return $heading ? $heading->textContent : '';
    }
}
