<?php

namespace TypechoPlugin\SemanticSearch;

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
class Plugin implements \Typecho_Plugin_Interface
{
    public const NAME = 'SemanticSearch';

    /** @var SearchOutcome|null the current request's search, for the theme helpers */
    private static $outcome;

    /**
     * Registers the hooks: `search` (the results), `searchHandle` (page links and title) and `index.php` `begin`
     * (the search form). `\Typecho_Plugin_Interface` is the name every version knows
     * (1.2 and 1.3 alias it to `\Typecho\Plugin\PluginInterface`).
     */
    public static function activate()
    {
        if (!function_exists('curl_init')) {
            throw new \Typecho_Plugin_Exception(_t('SemanticSearch needs the PHP curl extension (php-curl).'));
        }
        if (class_exists('\Typecho\Plugin')) {                                  // 1.2, 1.3
            $archive = \Typecho\Plugin::factory('Widget\Archive');
            $index = \Typecho\Plugin::factory('index.php');
        } else {                                                                 // 1.1
            $archive = \Typecho_Plugin::factory('Widget_Archive');
            $index = \Typecho_Plugin::factory('index.php');
        }
        $archive->search = [__CLASS__, 'search'];
        $archive->searchHandle = [__CLASS__, 'afterSearch'];
        $index->begin = [__CLASS__, 'redirectSearchForm'];
        return _t('SemanticSearch is on; set the service URL in its settings.');
    }

    public static function deactivate()
    {
    }

    /** @param \Typecho\Widget\Helper\Form $form */
    public static function config($form)
    {
        $text = self::formClass('Text');
        $radio = self::formClass('Radio');

        $url = new $text('serviceUrl', null, 'http://127.0.0.1:8080', _t('Service URL'),
            _t('Base URL of the BlogSemanticIndex service (bsi serve), without /search. Empty: keyword search only.'));
        $form->addInput($url);

        $key = new $text('apiKey', null, '', _t('API key'),
            _t('Sent as the X-Api-Key header when the service requires one.'));
        $form->addInput($key);

        $timeout = new $text('timeout', null, (string) Settings::DEFAULT_TIMEOUT, _t('Timeout (seconds)'),
            sprintf(_t('Whole-request limit, %.1f to %.1f. When it passes, visitors get the keyword search instead.'),
                Settings::MIN_TIMEOUT, Settings::MAX_TIMEOUT));
        $form->addInput($timeout);

        $mode = new $radio('mode', [
            'hybrid' => _t('Hybrid (meaning and exact words)'),
            'semantic' => _t('Semantic only'),
            'keyword' => _t('Keyword only (BM25)'),
        ], 'hybrid', _t('Ranking'));
        $form->addInput($mode);
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
        $config = null;
        try {
            $config = $options->plugin(self::NAME);
        } catch (\Exception $e) {
            // never configured: Settings reports the empty URL
        }
        $settings = Settings::fromConfig($config);
        $db = class_exists('\Typecho\Db') ? \Typecho\Db::get() : \Typecho_Db::get();
        $now = (int) ($options->time ?: time());
        $client = $settings->hasService()
            ? new ServiceClient($settings->serviceUrl, $settings->apiKey, $settings->timeout)
            : null;

        $handler = new SearchHandler($settings, new PostRepository($db, $now), $client, 'error_log');
        self::$outcome = $handler->handle((string) $keywords, $archive);
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
     * For themes: the service's snippet for a post, HTML-escaped except for its <mark> highlights; '' when there is
     * none (fallback search, or the service sent none) so the theme can show its usual excerpt.
     */
    public static function snippet($cid): string
    {
        if (!self::$outcome || !isset(self::$outcome->snippets[(int) $cid])) {
            return '';
        }
        return str_replace(['&lt;mark&gt;', '&lt;/mark&gt;'], ['<mark>', '</mark>'],
            self::escape(self::$outcome->snippets[(int) $cid]));
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
