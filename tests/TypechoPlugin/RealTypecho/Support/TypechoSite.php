<?php

/** One HTTP answer from the real site. */
final class SiteResponse
{
    /** @var int */
    public $status;

    /** @var array<string, string> lower-cased header name => last value */
    public $headers;

    /** @var string */
    public $body;

    /** @var float seconds, connection included */
    public $seconds;

    /** @var string where a redirect points ('' when none) */
    public $location;

    /** @var DOMXPath|null the body, parsed once */
    private $xpath;

    public function __construct(int $status, array $headers, string $body, float $seconds, string $location)
    {
        $this->status = $status;
        $this->headers = $headers;
        $this->body = $body;
        $this->seconds = $seconds;
        $this->location = $location;
    }

    public function xpath(): DOMXPath
    {
        if ($this->xpath !== null) {
            return $this->xpath;
        }
        $document = new DOMDocument();
        $previous = libxml_use_internal_errors(true);
        $document->loadHTML('<?xml encoding="UTF-8">' . $this->body);
        libxml_clear_errors();
        libxml_use_internal_errors($previous);
        return $this->xpath = new DOMXPath($document);
    }

    /** Post ids in the order the theme lists them (the default themes' `.post-title a` permalinks). */
    public function postCids(): array
    {
        $cids = [];
        foreach ($this->xpath()->query("//*[contains(concat(' ', @class, ' '), ' post-title ')]/a/@href") as $href) {
            if (preg_match('#/archives/(\d+)/?#', $href->nodeValue, $m)) {
                $cids[] = (int) $m[1];
            }
        }
        return $cids;
    }

    /** The highest page number in the page navigator (1 when there is none). */
    public function lastPage(): int
    {
        $last = 1;
        foreach ($this->xpath()->query("//ol[contains(@class, 'page-navigator')]//a") as $link) {
            if (ctype_digit(trim($link->textContent))) {
                $last = max($last, (int) trim($link->textContent));
            }
        }
        return $last;
    }
}

/**
 * A browser-like client of a real Typecho site on PHP's built-in server: a cookie jar, a visitor address (sent as
 * X-Forwarded-For, which Typecho's Request::getIp() reads, as from a reverse proxy), and the admin pages' forms.
 */
final class TypechoSite
{
    public const PLUGIN = 'SemanticSearch';

    /** @var string */
    private $base;

    /** @var string */
    private $visitor;

    /** @var resource|\CurlHandle one handle, so its cookie engine keeps the session */
    private $curl;

    public function __construct(string $base, string $visitor)
    {
        $this->base = rtrim($base, '/');
        $this->visitor = $visitor;
        $this->curl = curl_init();
        curl_setopt($this->curl, CURLOPT_COOKIEFILE, '');
    }

    public function url(string $path): string
    {
        return preg_match('#^https?://#', $path) ? $path : $this->base . '/' . ltrim($path, '/');
    }

    public function get(string $path, array $headers = []): SiteResponse
    {
        return $this->request('GET', $this->url($path), null, $headers);
    }

    public function post(string $url, array $fields, string $referer = ''): SiteResponse
    {
        return $this->request('POST', $this->url($url), http_build_query($fields), $referer === '' ? [] : ['Referer: ' . $referer]);
    }

    /**
     * The search page for a query as a visitor's browser reaches it (Typecho's search route, the query one path
     * segment), following the site's own redirects (Typecho without the plugin redirects to its filtered keywords).
     */
    public function search(string $query, int $page = 1): SiteResponse
    {
        $answer = $this->get('index.php/search/' . rawurlencode($query) . '/' . ($page > 1 ? $page . '/' : ''));
        for ($hops = 0; $hops < 3 && in_array($answer->status, [301, 302], true)
            && strpos($answer->location, $this->base . '/') === 0; $hops++) {
            $seconds = $answer->seconds;
            $answer = $this->get($answer->location);
            $answer->seconds += $seconds;
        }
        return $answer;
    }

    /** Logs in through admin/login.php's form, as a person would; passes Typecho's first-run welcome page. */
    public function login(string $user, string $password): void
    {
        $form = $this->get('admin/login.php');
        $action = $this->formAction($form, 'login');
        $answer = $this->post($action, ['name' => $user, 'password' => $password, 'referer' => ''], $this->url('admin/login.php'));
        if ($answer->status !== 302) {
            throw new RuntimeException("login as {$user}: HTTP {$answer->status}");
        }
        $this->get('admin/welcome.php');
        $home = $this->get('admin/index.php');
        if ($home->status !== 200) {
            throw new RuntimeException("login as {$user} failed: admin/index.php answered {$home->status} → {$home->location}");
        }
    }

    /**
     * The plugin's row on admin/plugins.php: its links by kind ('activate', 'deactivate', 'config'), empty when the
     * plugin is not listed.
     *
     * @return array<string, string>
     */
    public function pluginLinks(): array
    {
        $page = $this->get('admin/plugins.php');
        $this->expectOk($page, 'admin/plugins.php');
        $links = [];
        foreach ($page->xpath()->query("//tr[@id='plugin-" . self::PLUGIN . "']//a/@href") as $href) {
            foreach (['activate', 'deactivate', 'config'] as $kind) {
                if (preg_match('#[?&]' . $kind . '=' . self::PLUGIN . '(&|$)#', $href->nodeValue)) {
                    $links[$kind] = $href->nodeValue;
                }
            }
        }
        $links['listed'] = $page->xpath()->query("//tr[@id='plugin-" . self::PLUGIN . "']")->length > 0 ? 'yes' : '';
        return array_filter($links);
    }

    public function enablePlugin(): void
    {
        $links = $this->pluginLinks();
        if (isset($links['deactivate'])) {
            return;
        }
        if (!isset($links['activate'])) {
            throw new RuntimeException('admin/plugins.php shows no enable link for ' . self::PLUGIN);
        }
        $this->get($links['activate'], ['Referer: ' . $this->url('admin/plugins.php')]);
    }

    public function disablePlugin(): void
    {
        $links = $this->pluginLinks();
        if (isset($links['deactivate'])) {
            $this->get($links['deactivate'], ['Referer: ' . $this->url('admin/plugins.php')]);
        }
    }

    public function settingsPage(): SiteResponse
    {
        return $this->get('admin/options-plugin.php?config=' . self::PLUGIN);
    }

    /** @return array<string, string> the settings form's current values by field name */
    public function settings(): array
    {
        $page = $this->settingsPage();
        $this->expectOk($page, 'the plugin settings page');
        return self::formValues($page);
    }

    /** @return array<string, string> a form's current values by field name */
    private static function formValues(SiteResponse $page): array
    {
        $values = [];
        $xpath = $page->xpath();
        foreach ($xpath->query('//form//input[@name]') as $input) {
            $name = $input->getAttribute('name');
            $type = strtolower($input->getAttribute('type'));
            if ($type === 'radio' || $type === 'checkbox') {
                if ($input->hasAttribute('checked')) {
                    $values[$name] = $input->getAttribute('value');
                }
            } elseif ($type !== 'submit') {
                $values[$name] = $input->getAttribute('value');
            }
        }
        return $values;
    }

    /**
     * Submits the settings form with these values over the current ones, as the owner's browser would.
     *
     * @return string[] the error messages the settings page shows afterwards
     */
    public function saveSettings(array $changes): array
    {
        $page = $this->settingsPage();
        $this->expectOk($page, 'the plugin settings page');
        $action = $this->formAction($page, 'plugins-edit');
        $fields = array_merge(self::formValues($page), $changes);
        $answer = $this->post($action, $fields, $this->url('admin/options-plugin.php?config=' . self::PLUGIN));
        if ($answer->status !== 302) {
            throw new RuntimeException("saving the settings: HTTP {$answer->status}");
        }
        $after = $this->settingsPage();
        $errors = [];
        foreach ($after->xpath()->query("//form//p[contains(@class, 'message') and contains(@class, 'error')]") as $p) {
            $errors[] = trim($p->textContent);
        }
        return $errors;
    }

    private function formAction(SiteResponse $page, string $contains): string
    {
        foreach ($page->xpath()->query('//form/@action') as $action) {
            if (strpos($action->nodeValue, $contains) !== false) {
                return $action->nodeValue;
            }
        }
        throw new RuntimeException("no form posting to '{$contains}' on the page");
    }

    private function expectOk(SiteResponse $page, string $what): void
    {
        if ($page->status !== 200) {
            throw new RuntimeException("{$what}: HTTP {$page->status}" . ($page->location ? " → {$page->location}" : ''));
        }
    }

    private function request(string $method, string $url, ?string $body, array $headers): SiteResponse
    {
        $received = [];
        $headers[] = 'X-Forwarded-For: ' . $this->visitor;
        curl_setopt_array($this->curl, [
            CURLOPT_URL => $url,
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_POST => $method === 'POST',
            CURLOPT_POSTFIELDS => $body ?? '',
            CURLOPT_HTTPGET => $method === 'GET',
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_TIMEOUT => 60,
            CURLOPT_HEADERFUNCTION => static function ($curl, string $line) use (&$received) {
                if (strpos($line, ':') !== false) {
                    [$name, $value] = explode(':', $line, 2);
                    $received[strtolower(trim($name))] = trim($value);
                }
                return strlen($line);
            },
        ]);
        $start = microtime(true);
        $answer = curl_exec($this->curl);
        $seconds = microtime(true) - $start;
        if ($answer === false) {
            throw new RuntimeException("{$method} {$url}: " . curl_error($this->curl));
        }
        return new SiteResponse((int) curl_getinfo($this->curl, CURLINFO_RESPONSE_CODE), $received, (string) $answer, $seconds,
            (string) curl_getinfo($this->curl, CURLINFO_REDIRECT_URL));
    }
}
