<?php
/**
 * Loads the fixture blog (tests/TypechoPlugin/Fixture/blog.php) into a freshly installed real Typecho through
 * Typecho's own database layer (SQLite or MySQL alike), adds a contributor account, and sets three posts a page so
 * that the small fixture has several result pages. The plugin is NOT enabled here: the tests do that through
 * Typecho's admin pages.
 *
 * Usage: php setup-site.php <typecho root> <contributor password>
 */
[, $root, $contributorPassword] = $argv;
$_SERVER['HTTP_HOST'] = '127.0.0.1';
chdir($root);
require $root . '/config.inc.php';
require __DIR__ . '/../Fixture/blog.php';

$db = \Typecho\Db::get();
$fixture = sys_get_temp_dir() . '/bsi-fixture-' . getmypid() . '.db';
FixtureBlog::create($fixture);
$pdo = new PDO('sqlite:' . $fixture);
$db->query($db->delete('table.contents'));
$db->query($db->delete('table.relationships'));
foreach ($pdo->query('SELECT * FROM typecho_contents')->fetchAll(PDO::FETCH_ASSOC) as $row) {
    $db->query($db->insert('table.contents')->rows($row));
    $db->query($db->insert('table.relationships')->rows(['cid' => $row['cid'], 'mid' => 1]));
}
unlink($fixture);
$db->query($db->update('table.options')->rows(['value' => 3])->where('name = ?', 'pageSize'));

$hasher = new \Utils\PasswordHash(8, true);
$db->query($db->insert('table.users')->rows([
    'name' => 'contributor', 'mail' => 'contributor@example.com', 'screenName' => 'contributor',
    'password' => $hasher->hashPassword($contributorPassword), 'created' => time(), 'group' => 'contributor',
]));
echo "prepared {$root}\n";
