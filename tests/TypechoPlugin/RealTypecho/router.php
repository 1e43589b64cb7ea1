<?php
// Router for PHP's built-in server serving a real Typecho site (php -S host:port -t ROOT router.php): existing files
// (admin pages, install.php, assets) as themselves, every other path through Typecho's index.php, as Apache or nginx
// with Typecho's rewrite rules would.
$root = $_SERVER['DOCUMENT_ROOT'];
$path = rawurldecode((string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
if ($path !== '/' && strpos($path, '..') === false && is_file($root . $path)) {
    return false;
}
chdir($root);
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
require $root . '/index.php';
