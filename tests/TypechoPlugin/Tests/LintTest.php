<?php

use PHPUnit\Framework\TestCase;

/** `php -l` on every PHP file of the plugin and of these tests. */
final class LintTest extends TestCase
{
    public function phpFiles(): array
    {
        $root = dirname(__DIR__, 3);
        $files = [];
        foreach (['src/TypechoPlugin', 'tests/TypechoPlugin'] as $dir) {
            $it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator("{$root}/{$dir}", FilesystemIterator::SKIP_DOTS));
            foreach ($it as $file) {
                if ($file->getExtension() === 'php') {
                    $files[substr($file->getPathname(), strlen($root) + 1)] = [$file->getPathname()];
                }
            }
        }
        ksort($files);
        return $files;
    }

    /** @dataProvider phpFiles */
    public function testFileHasNoSyntaxErrors(string $path): void
    {
        exec(escapeshellarg(PHP_BINARY) . ' -l ' . escapeshellarg($path) . ' 2>&1', $output, $status);
        $this->assertSame(0, $status, implode("\n", $output));
    }

    public function testPluginFolderHasEveryFileItLoads(): void
    {
        $dir = dirname(__DIR__, 3) . '/src/TypechoPlugin/SemanticSearch';
        preg_match_all("#require_once __DIR__ \\. '/([A-Za-z]+\\.php)'#", file_get_contents("{$dir}/Plugin.php"), $m);
        $this->assertNotEmpty($m[1]);
        foreach ($m[1] as $file) {
            $this->assertFileExists("{$dir}/{$file}");
        }
    }
}
