<?php

namespace TypechoPlugin\SemanticSearch;

// Imported, not written `\Typecho_Plugin_Interface` below: Typecho finds a plugin's class and its activate/config
// methods by scanning PHP tokens for the plain name (Typecho\Plugin::parseInfo), and on PHP 8 a fully-qualified
// name is one token the scan never matches — the plugin would list as needing no activation and could not be enabled.
// Every version knows this name (1.2 and 1.3 alias it to \Typecho\Plugin\PluginInterface).
use Typecho_Plugin_Interface;

if (!defined('__TYPECHO_ROOT_DIR__')) {
    exit;
}

// Typecho 1.2+ could autoload these; 1.1 cannot, so load them explicitly.
require_once __DIR__ . '/Settings.php';
require_once __DIR__ . '/ServiceClient.php';
require_once __DIR__ . '/PostRepository.php';
require_once __DIR__ . '/SearchHandler.php';

/**
 * Semantic and hybrid search from a BlogSemanticIndex service, with Typecho's keyword search as the fallback.
 *
 * @package SemanticSearch
 * @author BlogSemanticIndex
 * @version 1.0.0
 */
class Plugin implements Typecho_Plugin_Interface
{
    public const NAME = 'SemanticSearch';

    /** @var SearchOutcome|null the current request's search, for the theme helpers */
    private static $outcome;

    /** @var object|null the archive widget of this request's search: the one whose posts get snippets */
    private static $searchArchive;

    /** @var bool the showSnippets setting of this request's search */
    private static $showSnippets = false;

    /** The owner's page in the admin menu (Helper::addPanel), under "Manage" (menu index 3); administrators only. */
    private const PANEL = 'SemanticSearch/Panel.php';
    private const PANEL_MENU = 3;
    /** Typecho option row holding the service's admin token (never in the plugin settings, see configHandle). */
    /** Seconds the fallback report to the search log may add to a search that already fell back. */
    private const FALLBACK_REPORT_TIMEOUT = 0.25;
    private const ADMIN_TOKEN_OPTION = 'plugin:SemanticSearch:adminToken';

    /**
     * Registers the hooks: `search` (the results), `searchHandle` (page links and title), `index.php` `begin`
     * (the search form), the contents filters `contentEx`/`excerptEx` (highlighted snippets on search pages), and
     * the owner's page.
     */
    public static function activate()
    {
        if (!function_exists('curl_init')) {
            throw new \Typecho_Plugin_Exception(_t('SemanticSearch needs the PHP curl extension (php-curl).'));
        }
        if (class_exists('\Typecho\Plugin')) {                                  // 1.2, 1.3
            $archive = \Typecho\Plugin::factory('Widget\Archive');
            $contents = \Typecho\Plugin::factory('Widget\Base\Contents');
            $index = \Typecho\Plugin::factory('index.php');
        } else {                                                                 // 1.1
            $archive = \Typecho_Plugin::factory('Widget_Archive');
            $contents = \Typecho_Plugin::factory('Widget_Abstract_Contents');
            $index = \Typecho_Plugin::factory('index.php');
        }
        $archive->search = [__CLASS__, 'search'];
        $archive->searchHandle = [__CLASS__, 'afterSearch'];
        $contents->contentEx = [__CLASS__, 'contentEx'];
        $contents->excerptEx = [__CLASS__, 'contentEx'];
        $index->begin = [__CLASS__, 'redirectSearchForm'];
        self::helper()::addPanel(self::PANEL_MENU, self::PANEL, _t('Semantic search'),
            _t('Index health and what visitors search for'), 'administrator');
        return _t('SemanticSearch is on; check the service URL in its settings.');
    }

    /** Typecho drops the hooks itself; the owner's page is ours to remove. */
    public static function deactivate()
    {
        self::helper()::removePanel(self::PANEL_MENU, self::PANEL);
        self::saveOption(self::ADMIN_TOKEN_OPTION, null);
    }

    /** @param \Typecho\Widget\Helper\Form $form */
    public static function config($form)
    {
        $text = self::formClass('Text');
        $password = self::formClass('Password');
        $radio = self::formClass('Radio');
        $saved = self::savedSettings();

        $url = new $text('serviceUrl', null, Settings::DEFAULT_SERVICE_URL, _t('Service URL'),
            _t('Base URL of the BlogSemanticIndex service (bsi serve), without /search. Empty: keyword search only.')
            . '<br>' . self::connectionReport($saved));
        $url->addRule([Settings::class, 'isServiceUrl'], _t('The service URL must be an http:// or https:// URL with a host, such as %s.', Settings::DEFAULT_SERVICE_URL));
        $form->addInput($url);

        $key = new $text('apiKey', null, '', _t('API key'),
            _t('Sent as the X-Api-Key header when the service requires one.'));
        $form->addInput($key);

        $timeout = new $text('timeout', null, (string) Settings::DEFAULT_TIMEOUT, _t('Timeout (seconds)'),
            sprintf(_t('Whole-request limit, %.1f to %.1f. When it passes, visitors get the keyword search instead.'),
                Settings::MIN_TIMEOUT, Settings::MAX_TIMEOUT));
        $timeout->addRule('required', _t('Give a timeout in seconds.'));
        $timeout->addRule([Settings::class, 'isTimeout'], sprintf(_t('The timeout must be a number of seconds from %.1f to %.1f.'),
            Settings::MIN_TIMEOUT, Settings::MAX_TIMEOUT));
        $form->addInput($timeout);

        $mode = new $radio('mode', [
            'hybrid' => _t('Hybrid (meaning and exact words)'),
            'semantic' => _t('Semantic only'),
            'keyword' => _t('Keyword only (BM25)'),
        ], 'hybrid', _t('Ranking'));
        $form->addInput($mode);

        $snippets = new $radio('showSnippets', ['1' => _t('Yes'), '0' => _t('No')], '1', _t('Highlighted snippets'),
            _t('On search pages, show the passage that matched, with the query words highlighted, in place of each post\'s content.'));
        $form->addInput($snippets);

        $visitor = new $radio('visitorAddress', [
            'remote' => _t('The connecting address (REMOTE_ADDR)'),
            'typecho' => _t('Typecho\'s client IP (X-Forwarded-For): only behind a reverse proxy that sets it'),
        ], 'remote', _t('Visitor address'),
            _t('Sent to the service so that its rate limit applies to each visitor, not to the whole blog.'));
        $form->addInput($visitor);

        $token = new $password('adminToken', null, '', _t('Admin token'),
            (self::adminToken() === '' ? _t('Not set.') : _t('Set; leave empty to keep it.')) . ' '
            . _t('The service\'s Admin:Token, for the Semantic search page (index health, search analytics). Kept on this server, never shown in a page.'));
        $form->addInput($token);
    }

    /**
     * Saves the settings. The admin token goes to an option row of its own and the plugin settings keep it empty:
     * Typecho fills the settings form from the plugin settings, which would put the token into the owner's browser.
     */
    public static function configHandle(array $settings, bool $isInit)
    {
        $token = trim((string) ($settings['adminToken'] ?? ''));
        $settings['adminToken'] = '';
        if ($token !== '') {
            self::saveOption(self::ADMIN_TOKEN_OPTION, $token);
        }
        if (class_exists('\Widget\Plugins\Edit')) {
            \Widget\Plugins\Edit::configPlugin(self::NAME, $settings);          // 1.2, 1.3
        } else {
            \Widget_Plugins_Edit::configPlugin(self::NAME, $settings);           // 1.1
        }
    }

    /** The service's admin token, for the owner's page; '' when not set. */
    public static function adminToken(): string
    {
        try {
            $db = self::db();
            $row = $db->fetchRow($db->select('value')->from('table.options')
                ->where('name = ?', self::ADMIN_TOKEN_OPTION)->where('user = ?', 0));
            return is_array($row) ? (string) $row['value'] : '';
        } catch (\Exception $e) {
            // Read on visitors' fallback searches too: an unreadable option must never break their page.
            error_log('SemanticSearch: could not read the admin token (' . $e->getMessage() . ')');
            return '';
        }
    }

    private static function saveOption(string $name, ?string $value): void
    {
        $db = self::db();
        $db->query($db->delete('table.options')->where('name = ?', $name)->where('user = ?', 0));
        if ($value !== null) {
            $db->query($db->insert('table.options')->rows(['name' => $name, 'value' => $value, 'user' => 0]));
        }
    }

    private static function db()
    {
        return class_exists('\Typecho\Db') ? \Typecho\Db::get() : \Typecho_Db::get();
    }

    /** @param \Typecho\Widget\Helper\Form $form */
    public static function personalConfig($form)
    {
    }

    /**
     * The `search` hook. Typecho skips its own search once this runs, so this always pushes a result (possibly
     * empty) and always sets the total.
     *
     * @param string $keywords Typecho's filtered keywords
     * @param \Widget\Archive $archive
     */
    public static function search($keywords, $archive)
    {
        $options = self::options();
        $settings = self::settings();
        $db = self::db();
        $now = (int) ($options->time ?: time());
        $client = $settings->hasService()
            ? new ServiceClient($settings->serviceUrl, $settings->apiKey, $settings->timeout)
            : null;

        $handler = new SearchHandler($settings, new PostRepository($db, $now), $client, 'error_log');
        $visitor = self::visitorAddress($settings);
        self::$outcome = $handler->handle((string) $keywords, $archive, $visitor);
        if (self::$outcome->source === SearchOutcome::FALLBACK && $client !== null && self::$outcome->query !== '') {
            // A short limit: the visitor has already waited for the failed search.
            (new ServiceClient($settings->serviceUrl, $settings->apiKey, self::FALLBACK_REPORT_TIMEOUT))
                ->reportFallback(self::adminToken(), self::$outcome->query, $settings->mode, self::$outcome->reason, self::$outcome->total, $visitor);
        }
        self::$searchArchive = $archive;
        self::$showSnippets = $settings->showSnippets;
        // Who answered, for owners checking their set-up (and for tests): 'service' or 'fallback'.
        if (class_exists('\Typecho\Response')) {
            \Typecho\Response::getInstance()->setHeader('X-Semantic-Search', self::$outcome->source);
        } elseif (!headers_sent()) {
            header('X-Semantic-Search: ' . self::$outcome->source);
        }
    }

    /**
     * The `contentEx` and `excerptEx` filters: on the search page's own posts, the service's highlighted snippet in
     * place of the content, so every theme shows why a post matched. Other widgets on the page (sidebars, a post's
     * own page) and the fallback search keep their content.
     *
     * @param string $content the content as Typecho rendered it
     * @param object $widget the contents widget being printed
     * @param string|null $last the previous filter's result (Typecho 1.2 passes it here, 1.3 as $content)
     */
    public static function contentEx($content, $widget, $last = null)
    {
        $content = is_string($last) && $last !== '' ? $last : $content;
        if (!self::$showSnippets || self::$searchArchive === null || $widget !== self::$searchArchive) {
            return $content;
        }
        $snippet = self::snippet($widget->cid);
        return $snippet === '' ? $content : '<p class="semantic-search-snippet">' . $snippet . '</p>';
    }

    /** @return string the visitor's IP address as the settings say to read it; '' when there is none */
    private static function visitorAddress(Settings $settings): string
    {
        if ($settings->visitorAddress === 'typecho') {
            $request = class_exists('\Typecho\Request') ? \Typecho\Request::getInstance() : \Typecho_Request::getInstance();
            $address = (string) $request->getIp();
        } else {
            $address = (string) ($_SERVER['REMOTE_ADDR'] ?? '');
        }
        return filter_var($address, FILTER_VALIDATE_IP) !== false ? $address : '';
    }

    /**
     * The `searchHandle` hook, which Typecho calls after it has set the search page's title and paging from the
     * filtered keywords. When those lost part of the query (`hello world C++` → `helloworldC`): keep the visitor's
     * words in the page links and the title, and stop Typecho's canonical-URL check from redirecting the raw URL to
     * the filtered one (it would, in Archive::render, and the next request would search the filtered words).
     *
     * @param \Widget\Archive $archive
     */
    public static function afterSearch($archive, $select = null)
    {
        $outcome = self::$outcome;
        if ($outcome === null || $outcome->query === $outcome->keywords) {
            return;
        }
        $parameter = SearchHandler::widgetProperty($archive, 'parameter');
        if (is_object($parameter)) {
            $parameter->checkPermalink = false;
        }
        // archiveTitle is echoed as HTML by themes (Archive::archiveTitle does not escape): give it escaped text.
        $archive->setArchiveTitle(self::escape($outcome->query));
        $keywords = urlencode(self::pathSafe($outcome->query));
        if (method_exists($archive, 'setPageRow')) {
            $archive->setPageRow(['keywords' => $keywords]);                 // 1.2 (and 1.1)
        } elseif (interface_exists('\Typecho\Router\ParamsDelegateInterface')) {
            // 1.3 keeps the paging parameters in a private property with no setter; set it so that page links
            // carry the visitor's query. If a later version changes it, links fall back to the filtered words.
            try {
                $property = new \ReflectionProperty($archive, 'pageRow');
                $property->setAccessible(true);
                $property->setValue($archive, new class ($keywords) implements \Typecho\Router\ParamsDelegateInterface {
                    private $keywords;

                    public function __construct(string $keywords)
                    {
                        $this->keywords = $keywords;
                    }

                    public function getRouterParam(string $key): string
                    {
                        return $key === 'keywords' ? $this->keywords : '{' . $key . '}';
                    }
                });
            } catch (\Throwable $e) {
                error_log('SemanticSearch: page links keep the filtered keywords (' . $e->getMessage() . ')');
            }
        }
    }

    /**
     * The `index.php` `begin` hook: sends a search form submission (`?s=…`) to the search page with the query as
     * typed. Typecho's own redirect (Archive::execute) first turns the query into a slug, dropping punctuation.
     */
    public static function redirectSearchForm()
    {
        $request = class_exists('\Typecho\Request') ? \Typecho\Request::getInstance() : \Typecho_Request::getInstance();
        $options = self::options();
        $target = self::searchFormTarget($request->get('s'), function (string $keywords) use ($options) {
            return class_exists('\Typecho\Router')
                ? \Typecho\Router::url('search', ['keywords' => $keywords], $options->index)
                : \Typecho_Router::url('search', ['keywords' => $keywords], $options->index);
        });
        if ($target === null) {
            return;
        }
        if (class_exists('\Typecho\Response')) {
            // 1.2, 1.3: through Typecho's response, whose output buffer would otherwise reset the status to 200.
            \Typecho\Response::getInstance()->setStatus(302)->setHeader('Location', $target)->respond();
        }
        header('Location: ' . $target, true, 302);                           // 1.1
        exit;
    }

    /**
     * Where a `?s=` submission should go, or null to leave the request to Typecho.
     *
     * @param mixed $s the raw `s` parameter
     * @param callable(string): string $searchUrl builds the search route's URL from the encoded keywords
     */
    public static function searchFormTarget($s, callable $searchUrl): ?string
    {
        if (!is_string($s)) {
            return null;
        }
        $query = self::pathSafe(ServiceClient::clean($s));
        if ($query === '') {
            return null;
        }
        // Absolute URL to this site only: the route builder gets an encoded path segment, nothing else.
        return $searchUrl(urlencode($query));
    }

    /** A query fit for one path segment: a '/' would split Typecho's search route, so it becomes a space. */
    private static function pathSafe(string $query): string
    {
        return trim(preg_replace('/\s+/u', ' ', str_replace(['/', '\\'], ' ', $query)));
    }

    /** For themes: the visitor's query, HTML-escaped (`<?php echo \TypechoPlugin\SemanticSearch\Plugin::query(); ?>`). */
    public static function query(): string
    {
        return self::$outcome ? self::escape(self::$outcome->query) : '';
    }

    /**
     * For themes: the service's snippet for a post as safe HTML (escaped text with `<mark>` highlights, passed
     * through as the service sent it); '' when there is none (fallback search, the service sent none, or one that
     * broke that contract) so the theme can show its usual excerpt.
     */
    public static function snippet($cid): string
    {
        if (!self::$outcome || !isset(self::$outcome->snippets[(int) $cid])) {
            return '';
        }
        return ServiceClient::safeSnippet(self::$outcome->snippets[(int) $cid]) ?? '';
    }

    /** For themes and diagnostics: 'service', 'fallback', or '' when no search ran in this request. */
    public static function source(): string
    {
        return self::$outcome ? self::$outcome->source : '';
    }

    /** The last search's outcome in this request (null before any); used by tests and diagnostics. */
    public static function outcome(): ?SearchOutcome
    {
        return self::$outcome;
    }

    private static function escape(string $s): string
    {
        return htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
    }

    /** The saved settings; before the first save, none (Settings reports the empty service URL). */
    public static function settings(): Settings
    {
        return Settings::fromConfig(self::savedConfig());
    }

    /** The saved settings, or the defaults before the first save: what the settings page starts from. */
    private static function savedSettings(): Settings
    {
        return Settings::fromConfig(self::savedConfig() ?? ['serviceUrl' => Settings::DEFAULT_SERVICE_URL]);
    }

    /** @return object|null Typecho's plugin configuration; null when it was never saved */
    private static function savedConfig()
    {
        try {
            return self::options()->plugin(self::NAME);
        } catch (\Exception $e) {
            return null;
        }
    }

    /** One line for the settings page: can this server reach the service with the saved settings? (escaped HTML) */
    private static function connectionReport(Settings $settings): string
    {
        if (!$settings->hasService()) {
            return self::escape(_t('Connection: no service URL saved.'));
        }
        try {
            $health = (new ServiceClient($settings->serviceUrl, $settings->apiKey, min($settings->timeout, 2.0)))->health();
            $state = (string) ($health['status'] ?? 'unknown');
            return self::escape(sprintf(_t('Connection to %s: %s.'), $settings->serviceUrl, $state));
        } catch (ServiceUnavailable $e) {
            return self::escape(sprintf(_t('Connection to %s failed: %s. Visitors get the keyword search until it answers.'),
                $settings->serviceUrl, $e->getMessage()));
        }
    }

    /** Typecho's plugin helper class for this version. */
    private static function helper(): string
    {
        return class_exists('\Utils\Helper') ? '\Utils\Helper' : 'Helper';
    }

    private static function options()
    {
        return class_exists('\Widget\Options')
            ? \Widget\Options::alloc()                        // 1.2, 1.3
            : \Typecho_Widget::widget('Widget_Options');      // 1.1
    }

    /** Form element class for this Typecho version ('Text' → \Typecho\Widget\Helper\Form\Element\Text on 1.2+). */
    private static function formClass(string $element): string
    {
        $modern = '\Typecho\Widget\Helper\Form\Element\\' . $element;
        return class_exists($modern) ? $modern : '\Typecho_Widget_Helper_Form_Element_' . $element;
    }
}

// Typecho 1.1 looks plugins up by their old-style class name.
if (!class_exists('SemanticSearch_Plugin', false)) {
    class_alias(Plugin::class, 'SemanticSearch_Plugin');
}
