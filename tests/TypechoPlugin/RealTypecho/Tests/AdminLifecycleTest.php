<?php

use TypechoPlugin\SemanticSearch\Settings;

/** The plugin as an owner meets it: listed, enabled, configured, searching, disabled — through Typecho's own admin pages. */
final class AdminLifecycleTest extends RealTypechoTestCase
{
    public function testEnableConfigureSearchAndDisableThroughTheAdminPages(): void
    {
        $admin = self::admin();
        $admin->disablePlugin();
        self::forgetSettings();

        $links = $admin->pluginLinks();
        $this->assertArrayHasKey('listed', $links, 'admin/plugins.php lists SemanticSearch');
        $this->assertArrayHasKey('activate', $links, 'admin/plugins.php offers to enable SemanticSearch (Typecho found its activate())');

        $admin->enablePlugin();
        $links = $admin->pluginLinks();
        $this->assertArrayHasKey('deactivate', $links, 'enabled: a disable link');
        $this->assertArrayHasKey('config', $links, 'enabled: a settings link');

        $settings = $admin->settings();
        $this->assertSame(Settings::DEFAULT_SERVICE_URL, $settings['serviceUrl'], "the default service URL is bsi serve's default address");
        $this->assertSame('hybrid', $settings['mode']);

        $errors = $admin->saveSettings(['serviceUrl' => 'not a url', 'timeout' => '99']);
        $this->assertCount(2, $errors, 'the settings page names both bad values: ' . implode(' | ', $errors));
        $this->assertSame(Settings::DEFAULT_SERVICE_URL, $admin->settings()['serviceUrl'], 'a refused value is not saved');

        $errors = $admin->saveSettings(self::defaultSettings());
        $this->assertSame([], $errors);
        $page = $admin->settingsPage();
        $this->assertStringContainsString('Connection to ' . self::env('BSI_SEARCH_URL') . ': healthy', $page->body, 'the settings page reports the connection');
        $this->assertStringNotContainsString(self::env('BSI_ADMIN_TOKEN'), $page->body, 'the admin token is never written into a page');

        $answer = self::serviceAnswer('semantic search', 1);
        $search = self::visitor()->search('semantic search');
        $this->assertSame(200, $search->status);
        $this->assertSame('service', $search->headers['x-semantic-search'] ?? '', 'the service answered');
        $this->assertSame(self::serviceCids($answer), $search->postCids(), "results in the service's order");

        $admin->disablePlugin();
        self::forgetSettings();
        $this->assertArrayHasKey('activate', $admin->pluginLinks(), 'disabled: the enable link is back');
        $search = self::visitor()->search('search');
        $this->assertSame(200, $search->status);
        $this->assertArrayNotHasKey('x-semantic-search', $search->headers, 'no plugin ran');
        $this->assertSame(array_slice(self::typechoOwnSearch('search'), 0, self::PAGE_SIZE), $search->postCids(),
            "disabled: Typecho's own search (LIKE, newest first)");
        // Typecho's own search drops the space of a two-word query ('semanticsearch'): nothing, where the service found posts.
        $this->assertSame([], self::visitor()->search('semantic search')->postCids());

        self::configure();
    }
}
