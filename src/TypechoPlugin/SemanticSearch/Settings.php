<?php

namespace TypechoPlugin\SemanticSearch;

/**
 * The plugin's settings, read from Typecho's plugin configuration and checked once per request.
 *
 * Invalid values never stop the blog: they make the plugin use its keyword fallback, and `problems()` names the
 * setting so the reason reaches the PHP error log.
 */
final class Settings
{
    public const MODES = ['hybrid', 'semantic', 'keyword'];
    public const DEFAULT_TIMEOUT = 1.5;
    public const MIN_TIMEOUT = 0.1;
    public const MAX_TIMEOUT = 10.0;
    /** The service's own default address (`bsi serve` listens on 127.0.0.1:5280). */
    public const DEFAULT_SERVICE_URL = 'http://127.0.0.1:5280';
    /**
     * 'remote': the address that connected to PHP (REMOTE_ADDR), which no visitor can forge;
     * 'typecho': Typecho's client IP (X-Forwarded-For first), right only behind a reverse proxy that sets it.
     */
    public const VISITOR_ADDRESS_SOURCES = ['remote', 'typecho'];

    /** @var string base URL of the BlogSemanticIndex service, without a trailing slash; '' when not configured */
    public $serviceUrl;

    /** @var string sent as X-Api-Key when not empty */
    public $apiKey;

    /** @var float seconds for the whole request, connection included */
    public $timeout;

    /** @var string one of MODES */
    public $mode;

    /** @var bool show the service's highlighted snippet in place of a post's content on search pages */
    public $showSnippets;

    /** @var string one of VISITOR_ADDRESS_SOURCES: where the visitor's address sent to the service comes from */
    public $visitorAddress;

    /** @var string[] one message per unusable setting */
    private $problems = [];

    public function __construct(
        string $serviceUrl,
        string $apiKey = '',
        $timeout = self::DEFAULT_TIMEOUT,
        string $mode = 'hybrid',
        bool $showSnippets = true,
        string $visitorAddress = 'remote'
    ) {
        $serviceUrl = trim($serviceUrl);
        if ($serviceUrl !== '' && !self::isServiceUrl($serviceUrl)) {
            $this->problems[] = "serviceUrl '{$serviceUrl}' is not an http:// or https:// URL";
            $serviceUrl = '';
        } elseif ($serviceUrl === '') {
            $this->problems[] = 'serviceUrl is empty; set the BlogSemanticIndex service URL in the plugin settings';
        }
        $this->serviceUrl = rtrim($serviceUrl, '/');
        $this->apiKey = trim($apiKey);

        $seconds = (float) $timeout;
        if (!self::isTimeout($timeout)) {
            $this->problems[] = sprintf(
                "timeout '%s' is not a number of seconds between %.1f and %.1f; using %.1f",
                (string) $timeout,
                self::MIN_TIMEOUT,
                self::MAX_TIMEOUT,
                self::DEFAULT_TIMEOUT
            );
            $seconds = self::DEFAULT_TIMEOUT;
        }
        $this->timeout = $seconds;

        $mode = strtolower(trim($mode));
        if (!in_array($mode, self::MODES, true)) {
            $this->problems[] = "mode '{$mode}' is not one of " . implode(', ', self::MODES) . '; using hybrid';
            $mode = 'hybrid';
        }
        $this->mode = $mode;
        $this->showSnippets = $showSnippets;

        if (!in_array($visitorAddress, self::VISITOR_ADDRESS_SOURCES, true)) {
            $this->problems[] = "visitorAddress '{$visitorAddress}' is not one of " . implode(', ', self::VISITOR_ADDRESS_SOURCES) . '; using remote';
            $visitorAddress = 'remote';
        }
        $this->visitorAddress = $visitorAddress;
    }

    /** An http(s) URL with a host and nothing after the path: what the settings page accepts as the service URL. */
    public static function isServiceUrl(string $url): bool
    {
        $url = trim($url);
        $parts = parse_url($url);
        return is_array($parts)
            && in_array(strtolower($parts['scheme'] ?? ''), ['http', 'https'], true)
            && ($parts['host'] ?? '') !== ''
            && !isset($parts['query']) && !isset($parts['fragment'])
            && !preg_match('/\s/', $url);
    }

    /** A timeout the settings page accepts: a number of seconds within [MIN_TIMEOUT, MAX_TIMEOUT]. */
    public static function isTimeout($value): bool
    {
        return is_numeric($value) && (float) $value >= self::MIN_TIMEOUT && (float) $value <= self::MAX_TIMEOUT;
    }

    /**
     * Reads the settings from Typecho's plugin configuration object (any object or array with the config() fields).
     *
     * @param object|array|null $config
     */
    public static function fromConfig($config): self
    {
        $value = static function (string $name, $default) use ($config) {
            if (is_array($config)) {
                return $config[$name] ?? $default;
            }
            if (is_object($config)) {
                $v = $config->{$name};
                return $v ?? $default;
            }
            return $default;
        };

        return new self(
            (string) $value('serviceUrl', ''),
            (string) $value('apiKey', ''),
            $value('timeout', self::DEFAULT_TIMEOUT),
            (string) $value('mode', 'hybrid'),
            (string) $value('showSnippets', '1') !== '0',
            (string) $value('visitorAddress', 'remote')
        );
    }

    public function hasService(): bool
    {
        return $this->serviceUrl !== '';
    }

    /** @return string[] */
    public function problems(): array
    {
        return $this->problems;
    }
}
