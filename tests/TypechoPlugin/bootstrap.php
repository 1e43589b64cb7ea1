<?php
/**
 * Test bootstrap: the Typecho stand-in, the fixture blog, the plugin, and the search services the tests call.
 *
 * BSI_SEARCH_URL set: the "real service" tests use that running `bsi serve`, which must have indexed the blog
 * database named by BSI_TYPECHO_DB (create it with Fixture/blog.php; with-real-service.sh, which CI runs, does all
 * of this). Unset: they use the development stand-in
 * service (DevService/router.php under `php -S`) over a fresh fixture blog. Tests that need the service to misbehave
 * (slow, 500, bad JSON, leaking hidden posts, echoing the request) always use the stand-in.
 */

require __DIR__ . '/Standin/Typecho.php';
require __DIR__ . '/Fixture/blog.php';
require dirname(__DIR__, 2) . '/src/TypechoPlugin/SemanticSearch/Plugin.php';
require __DIR__ . '/Support/PluginTestCase.php';

final class TestEnv
{
    /** @var string */
    private static $dbPath;

    /** @var string */
    private static $workDir;

    /** @var array<string, array{0: resource, 1: string}> behaviour key => [process, url] */
    private static $servers = [];

    public static function init(): void
    {
        self::$workDir = sys_get_temp_dir() . '/bsi-plugin-tests-' . getmypid();
        @mkdir(self::$workDir, 0700, true);
        // The plugin reports fallbacks with error_log(); collect them for assertions, but keep fatal errors visible.
        ini_set('error_log', self::$workDir . '/php-error.log');
        ini_set('display_errors', 'stderr');

        $real = getenv('BSI_SEARCH_URL') ?: '';
        if ($real !== '') {
            self::$dbPath = getenv('BSI_TYPECHO_DB') ?: '';
            if (self::$dbPath === '' || !is_file(self::$dbPath)) {
                fwrite(STDERR, "BSI_SEARCH_URL is set but BSI_TYPECHO_DB does not name the blog database the service indexed\n");
                exit(2);
            }
            echo "SemanticSearch plugin tests: service = REAL bsi at {$real}, blog database " . self::$dbPath . "\n";
        } else {
            self::$dbPath = self::$workDir . '/blog.db';
            FixtureBlog::create(self::$dbPath);
            echo "SemanticSearch plugin tests: service = DEVELOPMENT STAND-IN (tests/TypechoPlugin/DevService/router.php), "
                . "BSI_SEARCH_URL not set\n";
        }
        register_shutdown_function([self::class, 'shutdown']);
    }

    public static function isRealService(): bool
    {
        return (getenv('BSI_SEARCH_URL') ?: '') !== '';
    }

    /** The service the "real service" tests use: BSI_SEARCH_URL, or the stand-in behaving normally. */
    public static function serviceUrl(): string
    {
        return self::isRealService() ? rtrim(getenv('BSI_SEARCH_URL'), '/') : self::devServer('ok');
    }

    public static function dbPath(): string
    {
        return self::$dbPath;
    }

    public static function workDir(): string
    {
        return self::$workDir;
    }

    public static function errorLog(): string
    {
        $path = self::$workDir . '/php-error.log';
        return is_file($path) ? (string) file_get_contents($path) : '';
    }

    /**
     * Starts (once per behaviour and settings) the development stand-in service and returns its base URL.
     *
     * @param array<string, string> $env extra BSI_DEV_* variables
     */
    public static function devServer(string $behaviour, array $env = []): string
    {
        $key = $behaviour . json_encode($env);
        if (isset(self::$servers[$key])) {
            return self::$servers[$key][1];
        }
        $port = self::freePort();
        $environment = array_merge(getenv(), [
            'BSI_DEV_DB' => self::$dbPath,
            'BSI_DEV_BEHAVIOUR' => $behaviour,
            // Several workers, so a sleeping request does not hold up the next test's request.
            'PHP_CLI_SERVER_WORKERS' => '4',
        ], $env);
        $process = proc_open(
            [PHP_BINARY, '-S', "127.0.0.1:{$port}", __DIR__ . '/DevService/router.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', self::$workDir . "/server-{$port}.log", 'w']],
            $pipes,
            null,
            $environment
        );
        $url = "http://127.0.0.1:{$port}";
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            $socket = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.2);
            if ($socket) {
                fclose($socket);
                self::$servers[$key] = [$process, $url];
                return $url;
            }
            usleep(50000);
        }
        throw new RuntimeException("development stand-in service did not start on port {$port}");
    }

    /** A port nobody listens on: connecting to it is refused at once (a stopped service). */
    public static function closedPortUrl(): string
    {
        return 'http://127.0.0.1:' . self::freePort();
    }

    /** The service's own answer, fetched without the plugin's code: the oracle for order and totals. */
    public static function serviceAnswer(string $baseUrl, string $query, int $page, int $pageSize, string $mode = 'hybrid'): array
    {
        $url = $baseUrl . '/search?q=' . rawurlencode($query) . "&page={$page}&pageSize={$pageSize}&mode={$mode}";
        $body = file_get_contents($url, false, stream_context_create(['http' => ['timeout' => 30]]));
        if ($body === false) {
            throw new RuntimeException("could not fetch {$url}");
        }
        return json_decode($body, true, 16, JSON_THROW_ON_ERROR);
    }

    public static function shutdown(): void
    {
        foreach (self::$servers as [$process]) {
            $status = proc_get_status($process);
            if ($status['running']) {
                // With PHP_CLI_SERVER_WORKERS the server forks workers that outlive their parent: stop them first.
                foreach (self::childPids($status['pid']) as $child) {
                    posix_kill($child, SIGTERM);
                }
                posix_kill($status['pid'], SIGTERM);
            }
            proc_close($process);
        }
        self::$servers = [];
        foreach (glob(self::$workDir . '/*') ?: [] as $file) {
            if (!self::isRealService() || $file !== self::$dbPath) {
                @unlink($file);
            }
        }
        @rmdir(self::$workDir);
    }

    /** @return int[] ids of the direct children of a process (from /proc; Linux only) */
    private static function childPids(int $pid): array
    {
        $children = [];
        foreach (glob('/proc/[0-9]*/stat') ?: [] as $stat) {
            $fields = @file_get_contents($stat);
            // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
            if ($fields !== false && preg_match('/\)\s+\S+\s+(\d+)/', substr($fields, strrpos($fields, ')')), $m)
                && (int) $m[1] === $pid) {
                $children[] = (int) basename(dirname($stat));
            }
        }
        return $children;
    }

    private static function freePort(): int
    {
        $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        $name = stream_socket_get_name($server, false);
        fclose($server);
        return (int) substr($name, strrpos($name, ':') + 1);
    }
}

TestEnv::init();
