<?php
/**
 * Bootstrap of the real-Typecho suite. run.sh installs the site, loads the fixture, starts PHP's built-in server and
 * `bsi serve` on the site's database, then runs this suite with:
 *   BSI_RT_SITE             the site's base URL
 *   BSI_RT_LABEL            e.g. "Typecho 1.3.0 on SQLite", for messages
 *   BSI_RT_ADMIN_PASSWORD   password of the installer's account "admin"
 *   BSI_RT_CONTRIBUTOR_PASSWORD  password of "contributor"
 *   BSI_RT_PDO_DSN, BSI_RT_PDO_USER, BSI_RT_PDO_PASSWORD  the site's database (tests change post states in it)
 *   BSI_SEARCH_URL, BSI_ADMIN_TOKEN, BSI_RT_RATE_LIMIT  the service, its admin token and its searches per minute per visitor
 */

require dirname(__DIR__) . '/Fixture/blog.php';
require dirname(__DIR__, 3) . '/src/TypechoPlugin/SemanticSearch/Settings.php';
require __DIR__ . '/Support/TypechoSite.php';
require __DIR__ . '/Support/RealTypechoTestCase.php';

foreach (['BSI_RT_SITE', 'BSI_RT_ADMIN_PASSWORD', 'BSI_RT_CONTRIBUTOR_PASSWORD', 'BSI_RT_PDO_DSN', 'BSI_SEARCH_URL', 'BSI_ADMIN_TOKEN', 'BSI_RT_RATE_LIMIT'] as $name) {
    if ((getenv($name) ?: '') === '') {
        fwrite(STDERR, "{$name} is not set: run this suite through tests/TypechoPlugin/RealTypecho/run.sh\n");
        exit(2);
    }
}
echo 'Real Typecho suite: ' . (getenv('BSI_RT_LABEL') ?: getenv('BSI_RT_SITE')) . ' at ' . getenv('BSI_RT_SITE') . ', bsi serve at ' . getenv('BSI_SEARCH_URL') . "\n";
