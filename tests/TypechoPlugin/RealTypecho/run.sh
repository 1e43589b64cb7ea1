#!/usr/bin/env bash
# The plugin on REAL Typecho, as CI runs it (scripts/test.sh): for each site below, installs the unmodified Typecho
# release from ../shared/typecho with its own CLI installer, loads the fixture blog (setup-site.php), serves it with
# PHP's built-in server, starts `bsi serve` on the site's database (a fresh index schema; MariaDB through the
# read-only bsi_reader account), and runs the PHPUnit suite in this folder against the real pages.
# Ends with "N passed, N failed, N skipped" summed over the sites; skips (with the reason) where ../shared is absent.
#
#   tests/TypechoPlugin/RealTypecho/run.sh [phpunit arguments, e.g. --filter Snippet]
#   BSI_RT_SITES="1.3.0:sqlite" ...     only some sites (default: 1.2.1:sqlite 1.3.0:sqlite 1.3.0:mysql)
#   BSI_RT_SCREENSHOTS=DIR ...          keep the browser check's screenshots there
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
releases="${BSI_TYPECHO_RELEASES:-$repo/../shared/typecho}"
sites="${BSI_RT_SITES:-1.2.1:sqlite 1.3.0:sqlite 1.3.0:mysql}"

if [ ! -f "$releases/typecho-1.3.0.tar.gz" ]; then
    n=$(wc -w <<<"$sites")
    echo "real-Typecho tests skipped: no Typecho releases at $releases (../shared/typecho beside the project)"
    echo "0 passed, 0 failed, $n skipped"
    exit 0
fi

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGDATABASE="${PGDATABASE:-bsi_test}"
export PGUSER="${PGUSER:-bsi}" PGPASSWORD="${PGPASSWORD:-bsi}" PGOPTIONS="-c client_min_messages=warning"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mysql_password="${TYPECHO_DB_PASSWORD:-typecho}"
reader_password="${READER_DB_PASSWORD:-bsi_reader}"
# Searches a minute per visitor: low, so VisitorLimitTest reaches it quickly; each test visitor has its own address.
rate_limit=20

work="$(mktemp -d)"
site_pid="" bsi_pid="" schema="" mysql_db=""
# shellcheck source=../bsi-serve.sh
source "$here/../bsi-serve.sh"
passed=0 failed=0 skipped=0

stop_site() {
    bsi_stop
    stop_pid "$site_pid"; site_pid=""
    [ -z "$schema" ] || psql -qX -c "DROP SCHEMA $schema CASCADE" >/dev/null || echo "could not drop schema $schema"
    schema=""
    [ -z "$mysql_db" ] || mysql -h127.0.0.1 -utypecho -p"$mysql_password" -e "DROP DATABASE IF EXISTS $mysql_db" 2>/dev/null
    mysql_db=""
}
trap 'stop_site; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);'; }
site_failed() { echo "$1"; [ -s "$work/bsi.log" ] && tail -n 40 "$work/bsi.log"; failed=$((failed + 1)); stop_site; }

bsi_build || { echo "building bsi failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
visible=$(php -r 'require $argv[1]; echo count(FixtureBlog::VISIBLE);' "$here/../Fixture/blog.php")

for site in $sites; do
    version="${site%%:*}" db="${site##*:}" label="Typecho ${site%%:*} on ${site##*:}"
    echo "== $label"
    dir="$work/site-$version-$db"; mkdir -p "$dir"
    tar -xzf "$releases/typecho-$version.tar.gz" -C "$dir" --strip-components=1 || { site_failed "unpacking $version failed"; continue; }
    cp -r "$repo/src/TypechoPlugin/SemanticSearch" "$dir/usr/plugins/"
    port=$(free_port); url="http://127.0.0.1:$port"
    admin_password="admin-$RANDOM$RANDOM" contributor_password="contributor-$RANDOM$RANDOM"
    install_env=(TYPECHO_SITE_URL="$url" TYPECHO_USER_NAME=admin TYPECHO_USER_PASSWORD="$admin_password" TYPECHO_USER_MAIL=admin@example.com)
    if [ "$db" = mysql ]; then
        mysql_db="typecho_rt_$$_${version//./}"
        mysql -h127.0.0.1 -utypecho -p"$mysql_password" -e "CREATE DATABASE $mysql_db CHARACTER SET utf8mb4" \
            || { site_failed "could not create the MariaDB database $mysql_db (run scripts/setup.sh)"; continue; }
        install_env+=(TYPECHO_DB_ADAPTER=Pdo_Mysql TYPECHO_DB_HOST=127.0.0.1 TYPECHO_DB_PORT=3306 TYPECHO_DB_USER=typecho
            TYPECHO_DB_PASSWORD="$mysql_password" TYPECHO_DB_DATABASE="$mysql_db" TYPECHO_DB_CHARSET=utf8mb4)
        pdo=(BSI_RT_PDO_DSN="mysql:host=127.0.0.1;port=3306;dbname=$mysql_db;charset=utf8mb4" BSI_RT_PDO_USER=typecho BSI_RT_PDO_PASSWORD="$mysql_password")
        blog=(BSI__Blog__Provider=mysql BSI__Blog__ConnectionString="Server=127.0.0.1;Port=3306;Database=$mysql_db;User ID=bsi_reader;Password=$reader_password")
    else
        install_env+=(TYPECHO_DB_ADAPTER=Pdo_SQLite TYPECHO_DB_FILE="$dir/usr/site.db")
        pdo=(BSI_RT_PDO_DSN="sqlite:$dir/usr/site.db" BSI_RT_PDO_USER= BSI_RT_PDO_PASSWORD=)
        blog=(BSI__Blog__Provider=sqlite BSI__Blog__ConnectionString="Data Source=$dir/usr/site.db")
    fi
    (cd "$dir" && env "${install_env[@]}" php install.php >"$work/install.log" 2>&1) \
        || { cat "$work/install.log"; site_failed "Typecho's installer failed"; continue; }
    php "$here/setup-site.php" "$dir" "$contributor_password" >/dev/null || { site_failed "loading the fixture failed"; continue; }
    (exec env PHP_CLI_SERVER_WORKERS=4 php -S "127.0.0.1:$port" -t "$dir" "$here/router.php" >"$work/site.log" 2>&1) &
    site_pid=$!

    schema="rt_$(date +%s)_$$"
    psql -qX -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $schema" >/dev/null || { schema=""; site_failed "could not create schema in $PGDATABASE"; continue; }
    bsi_port=$(free_port); bsi_url="http://127.0.0.1:$bsi_port"; token="rt-$(od -An -N24 -tx1 /dev/urandom | tr -d " \n")"
    bsi_start "$work" "$bsi_url" "$schema" "$token" "${blog[@]}" BSI__Search__RateLimitPerMinute=$rate_limit
    bsi_wait_indexed "$bsi_url" "$token" "$visible" 180 \
        || { site_failed "bsi serve indexed '$bsi_indexed' of $visible posts of $label"; continue; }
    curl -sf -o /dev/null -H "X-Forwarded-For: 192.0.2.1" "$bsi_url/search?q=warm+up" || { site_failed "bsi serve does not answer /search"; continue; }

    env "${pdo[@]}" PHPUNIT_CONFIG="$here/phpunit.xml" BSI_RT_SITE="$url" BSI_RT_LABEL="$label" \
        BSI_RT_ADMIN_PASSWORD="$admin_password" BSI_RT_CONTRIBUTOR_PASSWORD="$contributor_password" \
        BSI_SEARCH_URL="$bsi_url" BSI_ADMIN_TOKEN="$token" BSI_RT_RATE_LIMIT=$rate_limit \
        bash "$here/../run.sh" "$@" 2>&1 | tee "$work/phpunit.log"
    status=${PIPESTATUS[0]}
    read -r p f s < <(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$work/phpunit.log" | tail -1 | awk '{ print $1, $3, $5 }')
    passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
    if [ "$status" -ne 0 ]; then
        [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
        echo "---- $label: bsi serve log (last 30 lines) ----"; tail -n 30 "$work/bsi.log"
        echo "---- $label: PHP server log (errors) ----"; grep -iE 'error|warning|notice' "$work/site.log" | tail -n 20
    fi
    stop_site
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
