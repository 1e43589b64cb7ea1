<?php

use TypechoPlugin\SemanticSearch\Plugin;
use TypechoPlugin\SemanticSearch\Settings;

final class RegistrationTest extends PluginTestCase
{
    public function testActivateRegistersOnTheArchiveSearchHook(): void
    {
        $this->assertSame([[Plugin::class, 'search']], \Typecho\Plugin::handlers('Widget\Archive', 'search'));
        $this->assertSame([[Plugin::class, 'afterSearch']], \Typecho\Plugin::handlers('Widget\Archive', 'searchHandle'));
        $this->assertSame([[Plugin::class, 'redirectSearchForm']], \Typecho\Plugin::handlers('index.php', 'begin'));
    }

    public function testPluginHasTheStandardPluginShape(): void
    {
        $this->assertTrue((new ReflectionClass(Plugin::class))->implementsInterface('Typecho_Plugin_Interface'));
        $this->assertContains(\Typecho\Plugin\PluginInterface::class, class_implements(Plugin::class));
        $this->assertTrue(class_exists('SemanticSearch_Plugin'), 'Typecho 1.1 looks for the old-style class name');
        $doc = (new ReflectionClass(Plugin::class))->getDocComment();
        $this->assertMatchesRegularExpression('/@package SemanticSearch/', $doc);
        $this->assertMatchesRegularExpression('/@version \d+\.\d+\.\d+/', $doc);
    }

    public function testConfigOffersServiceUrlApiKeyTimeoutAndMode(): void
    {
        $form = new \Typecho\Widget\Helper\Form();
        Plugin::config($form);
        $this->assertSame(['serviceUrl', 'apiKey', 'timeout', 'mode'], array_keys($form->inputs));
        $this->assertSame('1.5', $form->inputs['timeout']->value);
        $this->assertSame('hybrid', $form->inputs['mode']->value);
        $this->assertSame(Settings::MODES, array_keys($form->inputs['mode']->options));
    }

    public function testInvalidSettingsAreNamedAndReplacedBySafeValues(): void
    {
        $s = Settings::fromConfig(['serviceUrl' => 'ftp://example', 'timeout' => 'soon', 'mode' => 'fast']);
        $this->assertFalse($s->hasService());
        $this->assertSame(1.5, $s->timeout);
        $this->assertSame('hybrid', $s->mode);
        $problems = implode("\n", $s->problems());
        $this->assertStringContainsString('serviceUrl', $problems);
        $this->assertStringContainsString("timeout 'soon'", $problems);
        $this->assertStringContainsString("mode 'fast' is not one of hybrid, semantic, keyword", $problems);
    }

    public function testValidSettingsAreKept(): void
    {
        $s = Settings::fromConfig(['serviceUrl' => 'http://127.0.0.1:8080/', 'apiKey' => ' k ', 'timeout' => '0.75', 'mode' => 'Semantic']);
        $this->assertSame([], $s->problems());
        $this->assertSame('http://127.0.0.1:8080', $s->serviceUrl);
        $this->assertSame('k', $s->apiKey);
        $this->assertSame(0.75, $s->timeout);
        $this->assertSame('semantic', $s->mode);
    }
}
