#!/usr/bin/env bash
# Runs the plugin's PHP tests (run.sh) against the REAL `bsi serve`, as CI does (scripts/test.sh):
# builds the service, writes the fixture blog, starts `bsi serve` on it with a fresh index schema in PostgreSQL,
# waits until every visible fixture post is indexed, runs run.sh with BSI_SEARCH_URL and BSI_TYPECHO_DB, then stops
# the service and drops the schema (also on failure). Ends with run.sh's "N passed, N failed, N skipped" line, or
# "0 passed, 1 failed, 0 skipped" when the service could not be brought up.
#
#   tests/TypechoPlugin/with-real-service.sh [phpunit arguments, e.g. --filter ServiceSearch]
#
# The index schema goes into the database named by the libpq variables PGHOST, PGPORT, PGDATABASE, PGUSER,
# PGPASSWORD; the defaults are the test database scripts/setup.sh creates (bsi_test, role bsi), as for the .NET tests.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGDATABASE="${PGDATABASE:-bsi_test}"
export PGUSER="${PGUSER:-bsi}" PGPASSWORD="${PGPASSWORD:-bsi}" PGOPTIONS="-c client_min_messages=warning"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work="$(mktemp -d)"
# Unique per run, so runs by several developers on one database never meet (Quartz's cluster tables live in it too).
schema="php_$(date +%s)_$$"
schema_created=""
bsi_pid=""
admin_token="php-tests-$(od -An -N24 -tx1 /dev/urandom | tr -d " \n")"
# shellcheck source=bsi-serve.sh
source "$here/bsi-serve.sh"

service_log() {
    if [ -s "$work/bsi.log" ]; then
        echo "---- bsi serve log (last 60 lines) ----"
        tail -n 60 "$work/bsi.log"
    fi
}

# For failures before run.sh could print its own summary: the line scripts/test.sh parses comes last.
setup_failed() {
    echo "$1"
    service_log
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}

cleanup() {
    local status=$?
    bsi_stop
    if [ -n "$schema_created" ]; then
        psql -qX -c "DROP SCHEMA $schema CASCADE" >/dev/null || echo "could not drop schema $schema in $PGDATABASE"
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
# Bash skips the EXIT trap when a signal kills it: turn Ctrl+C and a CI job's SIGTERM into exits, so bsi stops too.
trap 'exit 130' INT
trap 'exit 143' TERM

bsi_build || setup_failed "building src/BlogSemanticIndex.Service failed"

php "$here/Fixture/blog.php" "$work/blog.db" >/dev/null
visible=$(php -r 'require $argv[1]; echo count(FixtureBlog::VISIBLE);' "$here/Fixture/blog.php")

psql -qX -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $schema" >/dev/null \
    || setup_failed "could not create schema $schema in $PGDATABASE as $PGUSER@$PGHOST:$PGPORT (run scripts/setup.sh)"
schema_created=1

port=$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);')
url="http://127.0.0.1:$port"
bsi_start "$work" "$url" "$schema" "$admin_token" BSI__Blog__Provider=sqlite BSI__Blog__ConnectionString="Data Source=$work/blog.db"
# Ready when the index holds every visible post: the model has loaded and the first poll has committed.
echo "waiting for bsi serve at $url to index the fixture's $visible visible posts"
bsi_wait_indexed "$url" "$admin_token" "$visible" 120 || setup_failed "bsi serve indexed '${bsi_indexed}' of $visible posts within 120 s"
# One search first, so the tests' 1.5 s plugin timeout does not also have to cover the search path's JIT warm-up.
curl -sf -o /dev/null "$url/search?q=warm+up" || setup_failed "bsi serve does not answer GET /search"

set +e
BSI_SEARCH_URL="$url" BSI_TYPECHO_DB="$work/blog.db" bash "$here/run.sh" "$@" 2>&1 | tee "$work/php.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    # A failure may be the service's (a 500, a wrong answer): show its side, then repeat the summary line last.
    service_log
    tail -n 1 "$work/php.log"
fi
exit "$status"
