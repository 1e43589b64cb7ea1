#!/usr/bin/env bash
# Optional end-to-end check against REAL Typecho (not run by CI: CI has no Typecho source and no network).
# Installs Typecho from a git checkout (SQLite, CLI installer), loads the fixture blog, and drives real search pages
# over HTTP with the development stand-in service up, stopped and slow:
#   - plugin mode on each given tag (v1.2.1 and v1.3.0 verified);
#   - fallback-patch mode on v1.2.1 (src/TypechoPlugin/fallback-patch.diff, no plugin).
# Usage: tests/TypechoPlugin/RealTypecho/e2e.sh /path/to/typecho-git-checkout [tag ...]  (default: v1.2.1 v1.3.0)
# Ends with "N passed, N failed".
set -uo pipefail
src="${1:?usage: e2e.sh /path/to/typecho-git-checkout [tag ...]}"; shift
tags=("$@"); [ ${#tags[@]} -gt 0 ] || tags=(v1.2.1 v1.3.0)
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"; site_pid=""; svc_pid=""
passed=0; failed=0
check() { local what="$1"; shift; if "$@"; then passed=$((passed + 1)); echo "  ok   $what"; else failed=$((failed + 1)); echo "  FAIL $what"; fi; }
stop() {  # stop <pid>: the server and the workers it forked
    [ -n "$1" ] || return 0
    for c in $(grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3); do kill "$c" 2>/dev/null; done
    kill "$1" 2>/dev/null; sleep 0.2
}
trap 'stop "$svc_pid"; stop "$site_pid"; rm -rf "$work"' EXIT
free_port() { php -r '$s=stream_socket_server("tcp://127.0.0.1:0"); $n=stream_socket_get_name($s,false); echo substr($n,strrpos($n,":")+1);'; }
serve() {  # serve <port> <dir> <router> [VAR=value ...]; the pid is left in $last_pid
    local port="$1" dir="$2" router="$3"; shift 3
    (cd "$dir" && exec env "$@" PHP_CLI_SERVER_WORKERS=2 php -S "127.0.0.1:$port" "$router" >"$work/server-$port.log" 2>&1) &
    last_pid=$!
    for _ in $(seq 50); do php -r "exit(@fsockopen('127.0.0.1',$port)?0:1);" && return 0; sleep 0.1; done
}
service() {  # service <behaviour>: (re)start the stand-in on $svc for the current site
    stop "$svc_pid"
    serve "$svc" "$work" "$repo/tests/TypechoPlugin/DevService/router.php" BSI_DEV_DB="$dir/usr/site.db" BSI_DEV_BEHAVIOUR="$1" BSI_DEV_SLEEP=3
    svc_pid=$last_pid
}
cids() { grep -A2 'post-title' "$1" | grep -o 'archives/[0-9]*/"' | grep -o '[0-9]*' | tr '\n' ' ' | sed 's/ $//'; }
service_cids() { curl -s "http://127.0.0.1:$svc/search?q=$1&page=$2&pageSize=3" | php -r '$d=json_decode(stream_get_contents(STDIN),true); echo implode(" ", array_column($d["hits"],"cid"));'; }
install() {  # install <tag>: sets $dir, $port, $svc
    dir="$work/site-$1-$2"; port=$(free_port); svc=$(free_port)
    mkdir -p "$dir" && git -C "$src" archive "$1" | tar -x -C "$dir" &&
    (cd "$dir" && TYPECHO_SITE_URL="http://127.0.0.1:$port" TYPECHO_DB_ADAPTER=Pdo_SQLite TYPECHO_DB_FILE="$dir/usr/site.db" \
        TYPECHO_USER_PASSWORD=e2e-password php install.php >/dev/null 2>&1)
}

checks() {
    local T="http://127.0.0.1:$port/index.php" t
    service ok
    curl -s "$T/search/semantic%20search/" -o "$work/p1.html"
    check "page 1 in the service's order ($(cids "$work/p1.html"))" [ "$(cids "$work/p1.html")" = "$(service_cids semantic%20search 1)" ]
    check "page links keep the typed query" grep -q 'search/semantic+search/2/' "$work/p1.html"
    curl -s "$T/search/semantic%20search/2/" -o "$work/p2.html"
    check "page 2 in the service's order ($(cids "$work/p2.html"))" [ "$(cids "$work/p2.html")" = "$(service_cids semantic%20search 2)" ]
    check "raw URL is not redirected to the filtered one" [ "$(curl -s -o /dev/null -w '%{http_code}' "$T/search/hello%20world%20C%2B%2B/")" = 200 ]
    check "search form keeps 'C++'" [ "$(curl -s -o /dev/null -w '%{redirect_url}' "$T/?s=hello%20world%20C%2B%2B")" = "$T/search/hello+world+C%2B%2B/" ]
    curl -s "$T/search/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/" -o "$work/x.html"
    check "query escaped in the page" bash -c "grep -q '&lt;img src=x' '$work/x.html' && ! grep -q '<img src=x' '$work/x.html'"
    stop "$svc_pid"; svc_pid=""
    t=$(curl -s -o "$work/d.html" -w '%{time_total}' "$T/search/pgvector/")
    check "stopped service: keyword results in ${t}s" [ "$(cids "$work/d.html")" = 1 ]
    service slow
    t=$(curl -s -o "$work/s.html" -w '%{time_total}' "$T/search/pgvector/")
    check "slow service: keyword results in ${t}s (timeout 0.5 s)" bash -c "[ '$(cids "$work/s.html")' = 1 ] && php -r 'exit($t < 1.0 ? 0 : 1);'"
    stop "$svc_pid"; svc_pid=""
}

php "$repo/tests/TypechoPlugin/Fixture/blog.php" "$work/fixture.db" >/dev/null
for tag in "${tags[@]}"; do
    echo "Typecho $tag with the SemanticSearch plugin"
    install "$tag" plugin || { check "install Typecho $tag" false; continue; }
    cp -r "$repo/src/TypechoPlugin/SemanticSearch" "$dir/usr/plugins/"
    php "$here/setup-site.php" "$dir" "$work/fixture.db" "http://127.0.0.1:$svc" 0.5 >/dev/null 2>&1 || { check "enable the plugin on $tag" false; continue; }
    serve "$port" "$dir" index.php; site_pid=$last_pid
    checks
    stop "$site_pid"; site_pid=""
done

echo "Typecho v1.2.1 with fallback-patch.diff (no plugin)"
if install v1.2.1 patch && (cd "$dir" && patch -p1 -s < "$repo/src/TypechoPlugin/fallback-patch.diff"); then
    php "$here/setup-site.php" "$dir" "$work/fixture.db" "" 0.5 noplugin >/dev/null 2>&1
    sed -i "s|^// config db|define('__BSI_SEARCH_URL__', 'http://127.0.0.1:$svc');\ndefine('__BSI_SEARCH_TIMEOUT__', 0.5);\n// config db|" "$dir/config.inc.php"
    serve "$port" "$dir" index.php; site_pid=$last_pid
    checks
else
    check "install Typecho v1.2.1 and apply the patch" false
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
