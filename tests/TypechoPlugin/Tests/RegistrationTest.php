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
        $this->assertSame([[Plugin::class, 'contentEx']], \Typecho\Plugin::handlers('Widget\Base\Contents', 'contentEx'));
        $this->assertSame([[Plugin::class, 'contentEx']], \Typecho\Plugin::handlers('Widget\Base\Contents', 'excerptEx'));
        $this->assertArrayHasKey('SemanticSearch/Panel.php', \Utils\Helper::$panels, "the owner's page is in the admin menu");
    }

    /**
     * Typecho finds the plugin class and its activate/config methods by scanning tokens for the plain name
     * Typecho_Plugin_Interface (Typecho\Plugin::parseInfo); on PHP 8 a fully-qualified `\Typecho_Plugin_Interface` is
     * one token the scan misses, and the plugin could not be enabled. The real-Typecho suite drives the admin pages;
     * this checks the token shape directly on whatever PHP runs the tests.
     */
    public function testTypechosTokenScanSeesThePluginInterface(): void
    {
        $names = [];
        $afterImplements = false;
        foreach (token_get_all(file_get_contents(dirname(__DIR__, 3) . '/src/TypechoPlugin/SemanticSearch/Plugin.php')) as $token) {
            if (is_array($token) && $token[0] === T_IMPLEMENTS) {
                $afterImplements = true;
            } elseif ($afterImplements && is_array($token) && $token[0] === T_STRING) {
                $names[] = $token[1];
                break;
            }
        }
        $this->assertSame(['Typecho_Plugin_Interface'], $names);
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
