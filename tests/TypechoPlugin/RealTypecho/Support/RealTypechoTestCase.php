<?php

use PHPUnit\Framework\TestCase;

/**
 * Base of the real-Typecho tests: the plugin enabled and configured through Typecho's admin pages, visitors with
 * addresses of their own (so the service's per-visitor limit never couples two tests), and the service's own
 * answers as the oracle for order and totals.
 */
abstract class RealTypechoTestCase extends TestCase
{
    /** Posts a page on the test site (setup-site.php sets it). */
    protected const PAGE_SIZE = 3;

    /** @var TypechoSite|null the logged-in administrator, shared by the suite */
    private static $admin;

    /** @var array|null the settings last saved through the admin page */
    private static $saved;

    protected static function env(string $name): string
    {
        return (string) getenv($name);
    }

    /** A fresh visitor, from an address no other visitor of this run has (so no test meets another's rate limit). */
    protected static function visitor(): TypechoSite
    {
        return new TypechoSite(self::env('BSI_RT_SITE'), self::newAddress());
    }

    protected static function newAddress(): string
    {
        static $next = 0;
        $next++;
        // Private 10/8 addresses, counted: random ones collided (two "visitors" sharing one limit) often enough to fail.
        return sprintf('10.%d.%d.%d', getmypid() % 250, intdiv($next, 250) % 250, $next % 250 + 1);
    }

    protected static function admin(): TypechoSite
    {
        if (self::$admin === null) {
            $admin = new TypechoSite(self::env('BSI_RT_SITE'), '127.0.0.1');
            $admin->login('admin', self::env('BSI_RT_ADMIN_PASSWORD'));
            self::$admin = $admin;
        }
        return self::$admin;
    }

    /** The settings the suite runs with: the real service, visitors' addresses from X-Forwarded-For (as behind a proxy). */
    protected static function defaultSettings(): array
    {
        return [
            'serviceUrl' => self::env('BSI_SEARCH_URL'),
            'apiKey' => '',
            'timeout' => '1.5',
            'mode' => 'hybrid',
            'showSnippets' => '1',
            'visitorAddress' => 'typecho',
            'adminToken' => self::env('BSI_ADMIN_TOKEN'),
        ];
    }

    /** Enables the plugin (if it is not) and saves these settings over the defaults, through the admin pages. */
    protected static function configure(array $overrides = []): void
    {
        $wanted = array_merge(self::defaultSettings(), $overrides);
        $admin = self::admin();
        $admin->enablePlugin();
        if (self::$saved !== $wanted) {
            $errors = $admin->saveSettings($wanted);
            if ($errors) {
                throw new RuntimeException('the settings page refused the settings: ' . implode('; ', $errors));
            }
            self::$saved = $wanted;
        }
    }

    /** Forget what was saved (after a test disabled the plugin or changed settings behind the suite's back). */
    protected static function forgetSettings(): void
    {
        self::$saved = null;
    }

    /** The service's own answer for a visitor address of its own: the oracle. */
    protected static function serviceAnswer(string $query, int $page, string $mode = 'hybrid'): array
    {
        return self::serviceJson('search?' . http_build_query(
            ['q' => $query, 'page' => $page, 'pageSize' => self::PAGE_SIZE, 'mode' => $mode], '', '&', PHP_QUERY_RFC3986), self::newAddress());
    }

    /** An authenticated GET of the service's admin API, as the owner's page makes it. */
    protected static function serviceAdmin(string $path): array
    {
        return self::serviceJson(ltrim($path, '/'), '127.0.0.1', ['Authorization: Bearer ' . self::env('BSI_ADMIN_TOKEN')]);
    }

    /** A 200 JSON answer of the service, asked as the given visitor. */
    private static function serviceJson(string $path, string $visitor, array $headers = []): array
    {
        $answer = (new TypechoSite(self::env('BSI_SEARCH_URL'), $visitor))->get($path, $headers);
        if ($answer->status !== 200) {
            throw new RuntimeException("the service answered {$path} with HTTP {$answer->status}: {$answer->body}");
        }
        return json_decode($answer->body, true, 64, JSON_THROW_ON_ERROR);
    }

    protected static function serviceCids(array $answer): array
    {
        return array_map(static function (array $hit): int {
            return $hit['cid'];
        }, $answer['hits']);
    }

    /** The site's database, for changing post states as an author or a restore would. */
    protected static function db(): PDO
    {
        $pdo = new PDO(self::env('BSI_RT_PDO_DSN'), self::env('BSI_RT_PDO_USER') ?: null, self::env('BSI_RT_PDO_PASSWORD') ?: null);
        $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        return $pdo;
    }

    /** Polls until $condition returns true or $seconds pass; returns the last result. */
    protected static function eventually(callable $condition, float $seconds): bool
    {
        $deadline = microtime(true) + $seconds;
        do {
            if ($condition()) {
                return true;
            }
            usleep(250000);
        } while (microtime(true) < $deadline);
        return (bool) $condition();
    }

    /** Debian's chromium, or '' when it is not installed. */
    protected static function chromium(): string
    {
        return trim((string) shell_exec('command -v chromium chromium-browser 2>/dev/null | head -n 1'));
    }

    /** Runs headless Chromium with a fresh profile and the flags a closed network needs; returns its stdout. */
    protected static function runChromium(string $arguments): string
    {
        $profile = sys_get_temp_dir() . '/bsi-chromium-' . getmypid() . '-' . bin2hex(random_bytes(3));
        $flags = '--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking '
            . '--disable-component-update --disable-sync --user-data-dir=' . escapeshellarg($profile);
        $out = (string) shell_exec(self::chromium() . ' ' . $flags . ' ' . $arguments . ' 2>/dev/null');
        shell_exec('rm -rf ' . escapeshellarg($profile));
        return $out;
    }

    /**
     * With BSI_RT_SCREENSHOTS set, a screenshot of a page (a URL, or HTML this client fetched, e.g. behind a login;
     * its stylesheets are absolute URLs of the site) into that folder, for the README.
     */
    protected static function screenshot(string $urlOrHtml, string $name): void
    {
        $folder = getenv('BSI_RT_SCREENSHOTS') ?: '';
        if ($folder === '' || self::chromium() === '') {
            return;
        }
        @mkdir($folder, 0777, true);
        $target = $urlOrHtml;
        if (!preg_match('#^https?://#', $urlOrHtml)) {
            $html = sys_get_temp_dir() . '/bsi-page-' . bin2hex(random_bytes(4)) . '.html';
            file_put_contents($html, $urlOrHtml);
            $target = 'file://' . $html;
        }
        self::runChromium('--window-size=1100,1000 --screenshot=' . escapeshellarg(realpath($folder) . '/' . $name) . ' ' . escapeshellarg($target));
        if (isset($html)) {
            unlink($html);
        }
    }

    /** Typecho's own search for a query, computed from the fixture: LIKE on title or text, newest first. */
    protected static function typechoOwnSearch(string $query): array
    {
        $pattern = '/' . str_replace('%', '.*', preg_quote(str_replace(' ', '%', $query), '/')) . '/iu';
        $hits = [];
        foreach (FixtureBlog::VISIBLE as $cid => [$title, , $days, $text]) {
            if (preg_match($pattern, $title) || preg_match($pattern, '<!--markdown-->' . $text)) {
                $hits[$cid] = $days;
            }
        }
        asort($hits);
        return array_keys($hits);
    }
}
