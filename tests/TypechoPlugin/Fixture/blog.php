<?php
/**
 * A small Typecho blog in SQLite: the fixture the plugin tests search, and the corpus CI indexes with `bsi` so the
 * real service and the plugin's database agree on every cid.
 *
 * Usage from the command line: php tests/TypechoPlugin/Fixture/blog.php /path/to/blog.db
 * (overwrites the file; table prefix 'typecho_').
 *
 * Our own DDL with Typecho 1.2's column names and types for the three tables the plugin and the indexer read.
 */

final class FixtureBlog
{
    /** Posts a visitor can see; cid => [title, slug, days ago, text]. */
    public const VISIBLE = [
        1 => ['Tuning HNSW indexes in pgvector', 'hnsw-pgvector', 40,
            'How ef_search and m trade recall for speed when PostgreSQL answers nearest-neighbour queries over embeddings. Semantic search needs a good vector index.'],
        2 => ['Why my sourdough bread would not rise', 'sourdough', 39,
            'A cold kitchen, a tired starter and too little time: notes from a baking weekend that ended with flat loaves.'],
        3 => ['Reciprocal rank fusion for hybrid search', 'rrf-hybrid', 38,
            'Combining a keyword ranking with a vector ranking by summing 1/(k + rank). Hybrid search finds exact identifiers that semantic search misses.'],
        4 => ['Migrating a blog from WordPress to Typecho', 'wp-to-typecho', 37,
            'Exporting posts, keeping permalinks and redirecting old URLs after moving the blog to Typecho.'],
        5 => ['hello world C++', 'hello-world-cpp', 36,
            'The classic first program in C++ with std::cout, and why the search for hello world C++ used to find nothing.'],
        6 => ['新词发现与分词', 'new-words', 35,
            '中文博客里的新词发现：用互信息和左右熵找出词典里没有的词，再用于分词。'],
        7 => ['排序算法笔记', 'sorting-notes', 34,
            '快速排序、归并排序和堆排序的算法复杂度比较。'],
        8 => ['Running a Raspberry Pi as a home server', 'raspberry-pi', 33,
            'Power usage, SD card wear and backups for a small always-on Linux box at home.'],
        9 => ['BM25 parameters k1 and b explained', 'bm25', 32,
            'Term frequency saturation (k1) and document length normalisation (b) in keyword search ranking.'],
        10 => ['Escaping output in PHP templates', 'php-escaping', 31,
            'Comparisons such as 1 < 2 && 3 > 2 stay text. Use htmlspecialchars on everything a visitor typed, for example a search query containing <script>.'],
        11 => ['Sentence embeddings with MiniLM', 'minilm', 30,
            'Mean pooling over token vectors turns a sentence into one embedding for semantic search.'],
        12 => ['Cycling the coast road in spring', 'coast-cycling', 29,
            'Headwinds, ferries and a puncture on a three-day ride along the sea.'],
        13 => ['Search result pagination done right', 'search-pagination', 28,
            'Stable ordering and the right total so that page 2 of a search shows what page 1 did not.'],
        14 => ['Notes on search engines', 'search-notes', 27,
            'Inverted indexes, keyword search, semantic search and why visitors judge a blog by its search box.'],
    ];

    /** Posts a visitor must never get, all mentioning "semantic search"; cid => [title, slug, type, status, password, days ago (negative: future)]. */
    public const HIDDEN = [
        101 => ['Draft: semantic search secrets', 'draft-secret', 'post_draft', 'publish', null, 5],
        102 => ['Private semantic search diary', 'private-diary', 'post', 'private', null, 5],
        103 => ['Hidden semantic search post', 'hidden-post', 'post', 'hidden', null, 5],
        104 => ['Password semantic search post', 'password-post', 'post', 'publish', 'secret', 5],
        105 => ['Scheduled semantic search post', 'future-post', 'post', 'publish', null, -3],
        106 => ['Waiting semantic search post', 'waiting-post', 'post', 'waiting', null, 5],
        107 => ['A page about semantic search', 'about-search', 'page', 'publish', null, 5],
        108 => ['Draft status semantic search', 'draft-status', 'post', 'draft', null, 5],
    ];

    public static function create(string $path, ?int $now = null): void
    {
        $now = $now ?? time();
        if (file_exists($path)) {
            unlink($path);
        }
        $pdo = new PDO('sqlite:' . $path);
        $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        $pdo->exec(<<<'SQL'
CREATE TABLE typecho_contents (
    cid          INTEGER PRIMARY KEY NOT NULL,
    title        VARCHAR(150) DEFAULT NULL,
    slug         VARCHAR(150) DEFAULT NULL UNIQUE,
    created      INT(10) DEFAULT 0,
    modified     INT(10) DEFAULT 0,
    text         TEXT,
    "order"      INT(10) DEFAULT 0,
    authorId     INT(10) DEFAULT 0,
    template     VARCHAR(32) DEFAULT NULL,
    type         VARCHAR(16) DEFAULT 'post',
    status       VARCHAR(16) DEFAULT 'publish',
    password     VARCHAR(32) DEFAULT NULL,
    commentsNum  INT(10) DEFAULT 0,
    allowComment CHAR(1) DEFAULT '0',
    allowPing    CHAR(1) DEFAULT '0',
    allowFeed    CHAR(1) DEFAULT '0',
    parent       INT(10) DEFAULT 0
);
CREATE INDEX typecho_contents_created ON typecho_contents (created);
CREATE TABLE typecho_metas (
    mid         INTEGER PRIMARY KEY NOT NULL,
    name        VARCHAR(150) DEFAULT NULL,
    slug        VARCHAR(150) DEFAULT NULL,
    type        VARCHAR(32) NOT NULL,
    description VARCHAR(150) DEFAULT NULL,
    count       INT(10) DEFAULT 0,
    "order"     INT(10) DEFAULT 0,
    parent      INT(10) DEFAULT 0
);
CREATE TABLE typecho_relationships (
    cid INT(10) NOT NULL,
    mid INT(10) NOT NULL,
    PRIMARY KEY (cid, mid)
);
SQL);
        $insert = $pdo->prepare('INSERT INTO typecho_contents (cid, title, slug, created, modified, text, authorId, type, status, password, allowComment, allowPing, allowFeed)
            VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, \'1\', \'1\', \'1\')');
        foreach (self::VISIBLE as $cid => [$title, $slug, $days, $text]) {
            $created = $now - $days * 86400;
            $insert->execute([$cid, $title, $slug, $created, $created, '<!--markdown-->' . $text, 'post', 'publish', null]);
        }
        foreach (self::HIDDEN as $cid => [$title, $slug, $type, $status, $password, $days]) {
            $created = $now - $days * 86400;
            $insert->execute([$cid, $title, $slug, $created, $created, '<!--markdown-->' . $title . ': semantic search internals.', $type, $status, $password]);
        }
        // An empty password ('' rather than NULL) is visible in Typecho: keep one such post.
        $pdo->exec("UPDATE typecho_contents SET password = '' WHERE cid = 14");
        $pdo->exec("INSERT INTO typecho_metas (mid, name, slug, type, count) VALUES (1, 'Default', 'default', 'category', " . count(self::VISIBLE) . ')');
        foreach (array_merge(array_keys(self::VISIBLE), array_keys(self::HIDDEN)) as $cid) {
            $pdo->exec("INSERT INTO typecho_relationships (cid, mid) VALUES ({$cid}, 1)");
        }
    }
}

if (PHP_SAPI === 'cli' && realpath($_SERVER['SCRIPT_FILENAME'] ?? '') === __FILE__) {
    if ($argc !== 2) {
        fwrite(STDERR, "usage: php blog.php /path/to/blog.db\n");
        exit(2);
    }
    FixtureBlog::create($argv[1]);
    echo "wrote {$argv[1]}: " . count(FixtureBlog::VISIBLE) . ' visible and ' . count(FixtureBlog::HIDDEN) . " hidden posts\n";
}
