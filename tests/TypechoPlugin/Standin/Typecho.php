<?php
/**
 * STAND-IN for the parts of Typecho 1.2's API that the SemanticSearch plugin touches.
 *
 * This is not Typecho. CI has no Typecho install (and no network to fetch one), so these classes reproduce, with the
 * same names and call shapes, only what the plugin and the search page use: the plugin hook registry
 * (Typecho\Plugin), the Db query builder over a real SQLite database with Typecho's table layout (Typecho\Db,
 * Typecho\Db\Query), the search branch of Widget\Archive (keyword filtering, hook call, push/setTotal/pagination),
 * Widget\Options, and the settings form elements. Behaviour copied in spirit from Typecho 1.2.1 is noted where it
 * matters (the keyword mangling, the `?` quoting, the "a registered handler switches the core search off" rule).
 */

namespace {
    define('__TYPECHO_ROOT_DIR__', dirname(__DIR__));

    /** Typecho's translation function; the stand-in formats like Typecho's (_t($text, ...$args) → sprintf). */
    function _t(string $text, ...$args): string
    {
        return $args ? vsprintf($text, $args) : $text;
    }
}

namespace Typecho\Plugin {
    interface PluginInterface
    {
        public static function activate();

        public static function deactivate();

        public static function config(\Typecho\Widget\Helper\Form $form);

        public static function personalConfig(\Typecho\Widget\Helper\Form $form);
    }

    class Exception extends \Exception
    {
    }
}

namespace Typecho {
    /** Hook registry: `factory($handle)->name = callable` registers; `trigger($signal)->name(...)` calls. */
    class Plugin
    {
        /** @var array<string, callable[]> */
        private static $handles = [];

        /** @var array<string, Plugin> */
        private static $instances = [];

        /** @var string */
        private $handle;

        /** @var bool|null */
        private $signal;

        private function __construct(string $handle)
        {
            // Typecho normalises 'Widget\Archive' and 'Widget_Archive' to one name.
            $this->handle = str_replace('\\', '_', ltrim($handle, '\\'));
        }

        public static function factory(string $handle): Plugin
        {
            $key = str_replace('\\', '_', ltrim($handle, '\\'));
            return self::$instances[$key] ?? (self::$instances[$key] = new self($handle));
        }

        /** Test helper: forget every registration (what deactivating all plugins does). */
        public static function reset(): void
        {
            self::$handles = [];
        }

        /** Test helper: the callables registered on a hook. */
        public static function handlers(string $handle, string $component): array
        {
            return self::$handles[str_replace('\\', '_', $handle) . ':' . $component] ?? [];
        }

        public function __set(string $component, callable $value)
        {
            self::$handles[$this->handle . ':' . $component][] = $value;
        }

        public function trigger(?bool &$signal): Plugin
        {
            $signal = false;
            $this->signal = &$signal;
            return $this;
        }

        /** As in Typecho 1.2.1: the signal turns true as soon as one handler is registered, whatever it returns. */
        public function __call(string $component, array $args)
        {
            $key = $this->handle . ':' . $component;
            $last = count($args);
            $args[$last] = $last > 0 ? $args[0] : false;
            if (isset(self::$handles[$key])) {
                $args[$last] = null;
                $this->signal = true;
                foreach (self::$handles[$key] as $callback) {
                    $args[$last] = call_user_func_array($callback, $args);
                }
            }
            return $args[$last];
        }
    }

    /** Read-only bag with property access, like Typecho\Config. */
    class Config
    {
        /** @var array */
        private $values;

        public function __construct(array $values = [])
        {
            $this->values = $values;
        }

        public function __get(string $name)
        {
            return $this->values[$name] ?? null;
        }

        public function __set(string $name, $value)
        {
            $this->values[$name] = $value;
        }

        public function __isset(string $name): bool
        {
            return isset($this->values[$name]);
        }
    }

    /** The two request filters Archive::searchHandle applies to the keywords ('url' then 'search'), as in 1.2.1. */
    class Common
    {
        public static function safeUrl(string $url): string
        {
            return strip_tags(str_replace(["\r", "\n", "\t", ' '], '', $url));
        }

        public static function filterSearchQuery(?string $query): string
        {
            if ($query === null || trim($query) === '') {
                return '';
            }
            preg_match_all('/[\p{L}\p{N}_\-]+/u', trim($query), $m);
            return str_replace('-', ' ', trim(implode('-', $m[0]), '-_'));
        }
    }

    /** Db over PDO SQLite with Typecho's method names; only what the plugin and the tests call. */
    class Db
    {
        /** @var Db|null */
        private static $instance;

        /** @var \PDO */
        private $pdo;

        /** @var string */
        private $prefix;

        /** @var int */
        public $queryCount = 0;

        public function __construct(\PDO $pdo, string $prefix = 'typecho_')
        {
            $this->pdo = $pdo;
            $this->prefix = $prefix;
            $pdo->setAttribute(\PDO::ATTR_ERRMODE, \PDO::ERRMODE_EXCEPTION);
        }

        public static function get(): Db
        {
            if (self::$instance === null) {
                throw new Db\Exception('Missing Database Connection');
            }
            return self::$instance;
        }

        public static function set(?Db $db): void
        {
            self::$instance = $db;
        }

        public function getPrefix(): string
        {
            return $this->prefix;
        }

        public function getAdapter()
        {
            return new class {
                public function getDriver(): string
                {
                    return 'sqlite';
                }
            };
        }

        public function select(...$fields): Db\Query
        {
            return (new Db\Query($this->pdo, $this->prefix))->select(...($fields ?: ['*']));
        }

        public function fetchAll($query): array
        {
            $this->queryCount++;
            return $this->pdo->query((string) $query)->fetchAll(\PDO::FETCH_ASSOC);
        }

        public function fetchRow($query): ?array
        {
            $this->queryCount++;
            $row = $this->pdo->query((string) $query)->fetch(\PDO::FETCH_ASSOC);
            return $row === false ? null : $row;
        }

        public function fetchObject($query): ?object
        {
            $this->queryCount++;
            $row = $this->pdo->query((string) $query)->fetch(\PDO::FETCH_OBJ);
            return $row === false ? null : $row;
        }
    }
}

namespace Typecho\Db {
    class Exception extends \Exception
    {
    }

    /** Query builder with Typecho's call shapes: where('a = ? OR b = ?', $x, $y), arrays for IN, page(). */
    class Query
    {
        /** @var \PDO */
        private $pdo;

        /** @var string */
        private $prefix;

        private $fields = '*';
        private $table = '';
        private $where = [];
        private $order = '';
        private $limit = null;
        private $offset = null;

        public function __construct(\PDO $pdo, string $prefix)
        {
            $this->pdo = $pdo;
            $this->prefix = $prefix;
        }

        public function select(...$fields): Query
        {
            $parts = [];
            foreach ($fields as $field) {
                if (is_array($field)) {
                    foreach ($field as $expr => $alias) {
                        $parts[] = $expr . ' AS ' . $alias;
                    }
                } else {
                    $parts[] = $field;
                }
            }
            $this->fields = $this->prefixed(implode(', ', $parts));
            return $this;
        }

        public function from(string $table): Query
        {
            $this->table = $this->prefixed($table);
            return $this;
        }

        /** Like Typecho: '?' becomes each argument, quoted; an array argument becomes a parenthesised list. */
        public function where(string $condition, ...$args): Query
        {
            $condition = str_replace('?', '%s', $this->prefixed($condition));
            $quoted = array_map(function ($v) {
                return is_array($v) ? '(' . implode(',', array_map([$this, 'quote'], $v)) . ')' : $this->quote($v);
            }, $args);
            $this->where[] = '(' . ($args ? vsprintf($condition, $quoted) : $condition) . ')';
            return $this;
        }

        public function order(string $column, string $sort = 'ASC'): Query
        {
            $this->order = ' ORDER BY ' . $this->prefixed($column) . ' ' . $sort;
            return $this;
        }

        public function page($page, $pageSize): Query
        {
            $this->limit = (int) $pageSize;
            $this->offset = (max((int) $page, 1) - 1) * (int) $pageSize;
            return $this;
        }

        public function limit($n): Query
        {
            $this->limit = (int) $n;
            return $this;
        }

        public function __toString(): string
        {
            $sql = 'SELECT ' . $this->fields . ' FROM ' . $this->table;
            if ($this->where) {
                $sql .= ' WHERE ' . implode(' AND ', $this->where);
            }
            $sql .= $this->order;
            if ($this->limit !== null) {
                $sql .= ' LIMIT ' . $this->limit . ($this->offset ? ' OFFSET ' . $this->offset : '');
            }
            return $sql;
        }

        private function quote($value): string
        {
            return is_int($value) || is_float($value) ? (string) $value : $this->pdo->quote((string) $value);
        }

        /** 'table.contents.cid' → 'typecho_contents.cid' (applied before values are inserted, as in Typecho). */
        private function prefixed(string $sql): string
        {
            return preg_replace('/\btable\./', $this->prefix, $sql);
        }
    }
}

namespace Typecho\Widget\Helper {
    class Form
    {
        /** @var Form\Element[] */
        public $inputs = [];

        public function addInput(Form\Element $input): Form
        {
            $this->inputs[$input->name] = $input;
            return $this;
        }
    }
}

namespace Typecho\Widget\Helper\Form {
    abstract class Element
    {
        public $name;
        public $options;
        public $value;
        public $label;
        public $description;

        public function __construct(?string $name = null, ?array $options = null, $value = null, ?string $label = null, ?string $description = null)
        {
            $this->name = $name;
            $this->options = $options;
            $this->value = $value;
            $this->label = $label;
            $this->description = $description;
        }
    }
}

namespace Typecho\Widget\Helper\Form\Element {
    class Text extends \Typecho\Widget\Helper\Form\Element
    {
    }

    class Password extends \Typecho\Widget\Helper\Form\Element
    {
    }

    class Radio extends \Typecho\Widget\Helper\Form\Element
    {
    }
}

namespace Utils {
    /** Typecho's admin-menu helper: the stand-in records the panels the plugin adds. */
    class Helper
    {
        /** @var array<string, string> file => title */
        public static $panels = [];

        public static function addPanel(int $index, string $fileName, string $title, string $subTitle, string $level): int
        {
            self::$panels[$fileName] = $title;
            return 0;
        }

        public static function removePanel(int $index, string $fileName): int
        {
            unset(self::$panels[$fileName]);
            return 0;
        }
    }
}

namespace Widget {
    /** Options widget: the plugin's saved settings and the request time. */
    class Options
    {
        /** @var Options|null */
        private static $instance;

        /** @var array<string, array> plugin name => settings; absent means "never configured" */
        public $plugins = [];

        /** @var int */
        public $time;

        public static function alloc(): Options
        {
            if (self::$instance === null) {
                self::$instance = new self();
                self::$instance->time = time();
            }
            return self::$instance;
        }

        public function plugin(string $name): \Typecho\Config
        {
            if (!isset($this->plugins[$name])) {
                throw new \Typecho\Plugin\Exception('插件' . $name . '的配置信息没有找到', 500);
            }
            return new \Typecho\Config($this->plugins[$name]);
        }
    }

    /**
     * The search page of Widget\Archive: route parameter 'keywords' (unfiltered) in request, page size in parameter,
     * and searchHandle()'s hook call. Pushed rows are kept in $stack in push order.
     */
    class Archive
    {
        /** @var object with get($key); protected, as in Typecho\Widget */
        protected $request;

        /** @var \Typecho\Config protected, as in Typecho\Widget */
        protected $parameter;

        /** @var array the page links' route parameters (Archive::$pageRow) */
        private $pageRow = [];

        /** @var string|null */
        private $archiveTitle;

        /** @var array[] */
        public $stack = [];

        /** @var int|false false until setTotal(); Typecho would then count with its own query */
        private $total = false;

        /** @var int */
        private $currentPage;

        /** @var string keywords as Typecho filters them (what the hook's first argument is) */
        public $keywords = '';

        public function __construct(string $rawKeywords, int $page = 1, int $pageSize = 10)
        {
            $this->request = new class ($rawKeywords) {
                private $params;

                public function __construct(string $keywords)
                {
                    $this->params = ['keywords' => $keywords];
                }

                public function get(string $key, $default = null)
                {
                    return $this->params[$key] ?? $default;
                }
            };
            $this->parameter = new \Typecho\Config(['type' => 'search', 'pageSize' => $pageSize, 'checkPermalink' => true]);
            $this->currentPage = $page;
        }

        /**
         * Archive::searchHandle, 1.2.1: filter the keywords ('url' then 'search'), call the `search` hook; without a
         * handler, run Typecho's own LIKE search (anonymous visitor); set title and page links from the filtered
         * keywords; call the `searchHandle` hook. Returns whether a handler ran ($hasPushed).
         */
        public function searchHandle(): bool
        {
            $keywords = \Typecho\Common::filterSearchQuery(\Typecho\Common::safeUrl((string) $this->request->get('keywords')));
            \Typecho\Plugin::factory('Widget\Archive')->trigger($hasPushed)->search($keywords, $this);
            if (!$hasPushed) {
                $this->typechoOwnSearch($keywords);
            }
            $this->keywords = $keywords;
            $this->pageRow = ['keywords' => urlencode($keywords)];
            $this->archiveTitle = $keywords;
            \Typecho\Plugin::factory('Widget\Archive')->searchHandle($this, null);
            return $hasPushed;
        }

        /** Archive::render's checkPermalink(): where Typecho would redirect this request to, or null. */
        public function canonicalRedirect(): ?string
        {
            if (!$this->parameter->checkPermalink) {
                return null;
            }
            $canonical = '/search/' . $this->pageRow['keywords'] . '/';
            $requested = '/search/' . rawurlencode((string) $this->request->get('keywords')) . '/';
            return urldecode($canonical) === urldecode($requested) ? null : $canonical;
        }

        public function getPageRow(): array
        {
            return $this->pageRow;
        }

        public function setPageRow(array $pageRow)
        {
            $this->pageRow = $pageRow;
        }

        public function setArchiveTitle(string $archiveTitle)
        {
            $this->archiveTitle = $archiveTitle;
        }

        public function getArchiveTitle(): ?string
        {
            return $this->archiveTitle;
        }

        /** Like Typecho\Widget::__get for a name that is not in the current row: null (protected members stay hidden). */
        public function __get(string $name)
        {
            return null;
        }

        /** Typecho's own search (what it does when no plugin handles the hook), for comparisons in tests. */
        public function typechoOwnSearch(string $keywords): void
        {
            $db = \Typecho\Db::get();
            $pattern = '%' . str_replace(' ', '%', $keywords) . '%';
            $time = Options::alloc()->time;
            $build = function ($select) use ($pattern, $time) {
                return $select->from('table.contents')
                    ->where('table.contents.status = ?', 'publish')
                    ->where('table.contents.created < ?', $time)
                    ->where("table.contents.password IS NULL OR table.contents.password = ''")
                    ->where('table.contents.title LIKE ? OR table.contents.text LIKE ?', $pattern, $pattern)
                    ->where('table.contents.type = ?', 'post');
            };
            foreach ($db->fetchAll($build($db->select('table.contents.*'))->order('table.contents.created', 'DESC')
                ->page($this->currentPage, $this->parameter->pageSize)) as $row) {
                $this->push($row);
            }
            $this->total = (int) $db->fetchObject($build($db->select(['COUNT(DISTINCT table.contents.cid)' => 'num'])))->num;
        }

        public function push(array $value): array
        {
            $this->stack[] = $value;
            return $value;
        }

        public function setTotal(int $total)
        {
            $this->total = $total;
        }

        /** Typecho would run its count query here; after a plugin push that query is wrong, hence setTotal(). */
        public function getTotal(): int
        {
            if ($this->total === false) {
                throw new \LogicException('setTotal() was not called; Typecho\'s page navigator would fail here');
            }
            return $this->total;
        }

        public function getCurrentPage(): int
        {
            return $this->currentPage;
        }

        public function getTotalPage(): int
        {
            return (int) ceil($this->getTotal() / $this->parameter->pageSize);
        }

        /** @return int[] */
        public function pushedCids(): array
        {
            return array_map(function ($row) {
                return (int) $row['cid'];
            }, $this->stack);
        }
    }
}

namespace {
    // Old-style names the plugin uses so that one file also loads on Typecho 1.1 (1.2 and 1.3 alias them the same way).
    class_alias(\Typecho\Plugin\PluginInterface::class, 'Typecho_Plugin_Interface');
    class_alias(\Typecho\Plugin\Exception::class, 'Typecho_Plugin_Exception');
}
