<?php
/**
 * DEVELOPMENT STAND-IN for the BlogSemanticIndex service — NOT the real `bsi serve`.
 *
 * Run with `php -S 127.0.0.1:PORT router.php`. It answers `GET /search` with the service's JSON contract over the
 * fixture SQLite blog so the plugin tests can run where the real service is not available, and it can misbehave on
 * purpose (which the real service cannot be made to do). Ranking is a toy: term counts with Chinese character
 * bigrams. Environment:
 *   BSI_DEV_DB        path of the fixture blog database (required)
 *   BSI_DEV_BEHAVIOUR ok (default) | slow | error500 | badjson | badshape | leak (also returns hidden posts' cids)
 *                     | evilsnippet (snippets carry a <script> element)
 *   BSI_DEV_SLEEP     seconds to sleep before answering when slow (default 3)
 *   BSI_DEV_API_KEY   when set, requests without this X-Api-Key get 401
 *   BSI_DEV_LOG       when set, one JSON line per request: the raw query string, decoded q, X-Api-Key
 */

$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$behaviour = getenv('BSI_DEV_BEHAVIOUR') ?: 'ok';

function problem(int $status, string $title, string $detail): void
{
    http_response_code($status);
    header('Content-Type: application/problem+json');
    echo json_encode(['type' => 'about:blank', 'title' => $title, 'status' => $status, 'detail' => $detail]);
}

if ($path === '/health') {
    header('Content-Type: text/plain');
    echo 'ok';
    return true;
}
if ($path !== '/search') {
    problem(404, 'Not Found', "no route {$path}");
    return true;
}

if ($log = getenv('BSI_DEV_LOG')) {
    file_put_contents($log, json_encode([
        'queryString' => $_SERVER['QUERY_STRING'] ?? '',
        'q' => $_GET['q'] ?? null,
        'apiKey' => $_SERVER['HTTP_X_API_KEY'] ?? null,
    ], JSON_UNESCAPED_UNICODE) . "\n", FILE_APPEND | LOCK_EX);
}

switch ($behaviour) {
    case 'slow':
        usleep((int) ((float) (getenv('BSI_DEV_SLEEP') ?: 3) * 1e6));
        break;
    case 'error500':
        problem(500, 'Internal Server Error', 'stand-in told to fail');
        return true;
    case 'badjson':
        header('Content-Type: application/json');
        echo '{"total": 3, "hits": [';
        return true;
    case 'badshape':
        header('Content-Type: application/json');
        echo json_encode(['total' => 'many', 'hits' => [['id' => 1]]]);
        return true;
}

$key = getenv('BSI_DEV_API_KEY');
if ($key && ($_SERVER['HTTP_X_API_KEY'] ?? '') !== $key) {
    problem(401, 'Unauthorized', 'missing or wrong X-Api-Key');
    return true;
}

$q = $_GET['q'] ?? '';
$page = $_GET['page'] ?? '1';
$pageSize = $_GET['pageSize'] ?? '10';
$mode = $_GET['mode'] ?? 'hybrid';
if (!is_string($q) || trim($q) === '') {
    problem(400, 'Bad Request', 'q is empty');
    return true;
}
if (!mb_check_encoding($q, 'UTF-8') || mb_strlen($q) > 512) {
    problem(400, 'Bad Request', 'q is not valid UTF-8 or longer than 512 characters');
    return true;
}
if (!ctype_digit((string) $page) || (int) $page < 1 || !ctype_digit((string) $pageSize) || (int) $pageSize < 1 || (int) $pageSize > 100) {
    problem(400, 'Bad Request', 'page must be >= 1 and pageSize 1..100');
    return true;
}
if (!in_array($mode, ['hybrid', 'semantic', 'keyword'], true)) {
    problem(400, 'Bad Request', "mode '{$mode}' is not one of hybrid, semantic, keyword");
    return true;
}
$page = (int) $page;
$pageSize = (int) $pageSize;

// Terms: whitespace-separated words, lower-cased; Chinese runs also give their character bigrams.
$terms = [];
foreach (preg_split('/\s+/u', mb_strtolower(trim($q))) as $word) {
    $terms[] = $word;
    if (preg_match('/^\p{Han}{2,}$/u', $word)) {
        $chars = preg_split('//u', $word, -1, PREG_SPLIT_NO_EMPTY);
        for ($i = 0; $i + 1 < count($chars); $i++) {
            $terms[] = $chars[$i] . $chars[$i + 1];
        }
    }
}
$terms = array_values(array_unique(array_filter($terms, 'strlen')));

$pdo = new PDO('sqlite:' . getenv('BSI_DEV_DB'));
$visible = "type = 'post' AND status = 'publish' AND (password IS NULL OR password = '') AND created < " . time();
$rows = $pdo->query('SELECT cid, title, slug, created, text FROM typecho_contents'
    . ($behaviour === 'leak' ? '' : " WHERE {$visible}"))->fetchAll(PDO::FETCH_ASSOC);

$hits = [];
foreach ($rows as $row) {
    $title = mb_strtolower($row['title']);
    $text = mb_strtolower(str_replace('<!--markdown-->', '', $row['text']));
    $score = 0;
    $first = null;
    foreach ($terms as $term) {
        $score += 3 * substr_count($title, $term) + substr_count($text, $term);
        $at = mb_strpos($text, $term);
        if ($at !== false && ($first === null || $at < $first[0])) {
            $first = [$at, mb_strlen($term)];
        }
    }
    if ($score === 0) {
        continue;
    }
    $plain = str_replace('<!--markdown-->', '', $row['text']);
    $snippet = '';
    if ($first !== null) {
        $start = max(0, $first[0] - 30);
        $snippet = htmlspecialchars(mb_substr($plain, $start, $first[0] - $start))
            . '<mark>' . htmlspecialchars(mb_substr($plain, $first[0], $first[1])) . '</mark>'
            . htmlspecialchars(mb_substr($plain, $first[0] + $first[1], 60));
    }
    $hits[] = [
        'cid' => (int) $row['cid'],
        'title' => $row['title'],
        'slug' => $row['slug'],
        'created' => gmdate('Y-m-d\TH:i:s\Z', (int) $row['created']),
        'createdUnix' => (int) $row['created'],
        'score' => $score / (1 + count($terms)),
        'snippet' => $snippet,
    ];
}
if ($behaviour === 'evilsnippet') {
    foreach ($hits as &$hit) {
        $hit['snippet'] = '<script>alert(1)</script>before <mark>match</mark> <b onmouseover="x()">after</b>';
    }
    unset($hit);
}
usort($hits, function ($a, $b) {
    return [$b['score'], $a['cid']] <=> [$a['score'], $b['cid']];
});

header('Content-Type: application/json');
echo json_encode([
    'total' => count($hits),
    'page' => $page,
    'pageSize' => $pageSize,
    'mode' => $mode,
    'hits' => array_slice($hits, ($page - 1) * $pageSize, $pageSize),
], JSON_UNESCAPED_UNICODE);
return true;
