<?php
/**
 * Prepares an installed Typecho (SQLite) for the end-to-end check: replaces its posts with the fixture blog's and,
 * unless told not to, enables and configures the SemanticSearch plugin the way Widget\Plugins\Edit::activate does.
 *
 * Usage: php setup-site.php <typecho root> <fixture db> <service url> <timeout> [noplugin]
 */
[, $root, $fixture, $serviceUrl, $timeout] = $argv;
$withPlugin = ($argv[5] ?? '') !== 'noplugin';
$_SERVER['HTTP_HOST'] = '127.0.0.1';
chdir($root);
require $root . '/config.inc.php';
// Widget\Init defines this alias in a real request; the CLI does not run Init.
class_alias('Typecho\Plugin\PluginInterface', 'Typecho_Plugin_Interface');

$db = \Typecho\Db::get();
$pdo = new PDO('sqlite:' . $fixture);
$db->query($db->delete('table.contents'));
$db->query($db->delete('table.relationships'));
foreach ($pdo->query('SELECT * FROM typecho_contents')->fetchAll(PDO::FETCH_ASSOC) as $row) {
    $db->query($db->insert('table.contents')->rows($row));
    $db->query($db->insert('table.relationships')->rows(['cid' => $row['cid'], 'mid' => 1]));
}
// Three posts a page, so the small fixture has several pages.
$db->query($db->update('table.options')->rows(['value' => 3])->where('name = ?', 'pageSize'));

if ($withPlugin) {
    $options = \Widget\Options::alloc();
    \Typecho\Plugin::init(['activated' => [], 'handles' => []]);
    [$file, $class] = \Typecho\Plugin::portal('SemanticSearch', $options->pluginDir);
    require_once $file;
    call_user_func([$class, 'activate']);
    \Typecho\Plugin::activate('SemanticSearch');
    $db->query($db->update('table.options')->rows(['value' => serialize(\Typecho\Plugin::export())])->where('name = ?', 'plugins'));
    $db->query($db->delete('table.options')->where('name = ?', 'plugin:SemanticSearch'));
    $db->query($db->insert('table.options')->rows(['name' => 'plugin:SemanticSearch', 'user' => 0,
        'value' => serialize(['serviceUrl' => $serviceUrl, 'apiKey' => '', 'timeout' => $timeout, 'mode' => 'hybrid'])]));
}
echo "prepared {$root}\n";
