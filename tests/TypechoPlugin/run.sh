#!/usr/bin/env bash
# Runs the SemanticSearch Typecho plugin tests (PHPUnit 9.6 from Debian's phpunit package, real PHP CLI) and ends
# with one line "N passed, N failed, N skipped".
#
#   tests/TypechoPlugin/run.sh                     # development stand-in service over a fresh fixture blog
#   BSI_SEARCH_URL=http://127.0.0.1:5280 BSI_TYPECHO_DB=/tmp/blog.db tests/TypechoPlugin/run.sh
#                                                  # a running `bsi serve`, which indexed /tmp/blog.db
#   tests/TypechoPlugin/with-real-service.sh      # starts the real `bsi serve` on a fresh fixture blog (CI does this)
# Extra arguments go to phpunit (e.g. --filter Fallback).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v phpunit >/dev/null 2>&1; then
    echo "phpunit not found: install it (Debian: apt-get install -y phpunit)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
for ext in curl pdo_sqlite mbstring; do
    if ! php -m | grep -x "$ext" >/dev/null; then
        echo "PHP extension $ext is missing"
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
done

junit="$(mktemp)"
trap 'rm -f "$junit"' EXIT
phpunit --configuration "${PHPUNIT_CONFIG:-$here/phpunit.xml}" --log-junit "$junit" "$@"
status=$?

# Counts from the JUnit report: every test that ran and did not fail, error or get skipped passed.
read -r passed failed skipped < <(php -r '
    $x = @simplexml_load_file($argv[1]);
    if (!$x || !isset($x->testsuite)) { echo "0 1 0\n"; exit; }
    $s = $x->testsuite->attributes();
    $bad = (int) $s["failures"] + (int) $s["errors"];
    $skipped = (int) ($s["skipped"] ?? 0);
    echo ((int) $s["tests"] - $bad - $skipped) . " " . $bad . " " . $skipped . "\n";
' "$junit")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1  # phpunit stopped before reporting (bootstrap error, fatal error)
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
