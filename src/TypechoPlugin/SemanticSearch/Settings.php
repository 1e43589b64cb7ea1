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

    /** @var string base URL of the BlogSemanticIndex service, without a trailing slash; '' when not configured */
    public $serviceUrl;

    /** @var string sent as X-Api-Key when not empty */
    public $apiKey;

    /** @var float seconds for the whole request, connection included */
    public $timeout;

    /** @var string one of MODES */
    public $mode;

    /** @var string[] one message per unusable setting */
    private $problems = [];

    public function __construct(string $serviceUrl, string $apiKey = '', $timeout = self::DEFAULT_TIMEOUT, string $mode = 'hybrid')
    {
        $serviceUrl = trim($serviceUrl);
        if ($serviceUrl !== '' && !preg_match('#^https?://[^/\s]+#i', $serviceUrl)) {
            $this->problems[] = "serviceUrl '{$serviceUrl}' is not an http:// or https:// URL";
            $serviceUrl = '';
        } elseif ($serviceUrl === '') {
            $this->problems[] = 'serviceUrl is empty; set the BlogSemanticIndex service URL in the plugin settings';
        }
        $this->serviceUrl = rtrim($serviceUrl, '/');
        $this->apiKey = trim($apiKey);

        $seconds = is_numeric($timeout) ? (float) $timeout : self::DEFAULT_TIMEOUT;
        if (!is_numeric($timeout) || $seconds < self::MIN_TIMEOUT || $seconds > self::MAX_TIMEOUT) {
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
            (string) $value('mode', 'hybrid')
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
