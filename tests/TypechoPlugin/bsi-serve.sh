# Sourced by with-real-service.sh and RealTypecho/run.sh: builds `bsi`, starts `bsi serve` on a blog with its own
# index schema in PostgreSQL (the libpq variables name the database), waits until it has indexed the blog, stops it
# (and other servers the tests start).

# bsi_build: sets bsi_dll; prints the build log and fails when the build does.
bsi_build() {
    local repo log
    repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    log="$(mktemp)"
    # Up to date after `dotnet test` (seconds); the log only on failure, since NuGet's warnings would bury the output.
    if ! dotnet build "$repo/src/BlogSemanticIndex.Service" --nologo >"$log" 2>&1; then
        cat "$log"; rm -f "$log"; return 1
    fi
    rm -f "$log"
    bsi_dll="$repo/src/BlogSemanticIndex.Service/bin/Debug/net10.0/bsi.dll"
    [ -f "$bsi_dll" ]
}

# bsi_start WORKDIR URL SCHEMA TOKEN [BSI__Section__Key=value ...]: sets bsi_pid; the log is WORKDIR/bsi.log.
# From WORKDIR, so the file sink's logs/ folder lands there and not in the checkout.
bsi_start() {
    local work="$1" url="$2" schema="$3" token="$4"
    shift 4
    (
        cd "$work"
        exec env \
            BSI__IndexStore__ConnectionString="Host=$PGHOST;Port=$PGPORT;Database=$PGDATABASE;Username=$PGUSER;Password=$PGPASSWORD;Search Path=$schema,public" \
            BSI__Encoder__Model=builtin:minilm BSI__Indexer__PollInterval=00:00:01 BSI__Admin__Token="$token" "$@" \
            dotnet "$bsi_dll" serve --urls "$url" >"$work/bsi.log" 2>&1
    ) &
    bsi_pid=$!
}

# bsi_wait_indexed URL TOKEN POSTS SECONDS: until /admin/status counts POSTS posts; sets bsi_indexed to the last count.
# SECONDS covers loading the model and embedding the blog on a busy 2-core machine.
bsi_wait_indexed() {
    local url="$1" token="$2" posts="$3" deadline=$((SECONDS + $4))
    bsi_indexed=""
    while kill -0 "$bsi_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
        bsi_indexed=$(curl -sf -H "Authorization: Bearer $token" "$url/admin/status" \
            | php -r '$s = json_decode(stream_get_contents(STDIN), true); echo $s["index"]["posts"] ?? "";' || true)
        [ "$bsi_indexed" = "$posts" ] && return 0
        sleep 1
    done
    return 1
}

# stop_pid PID: SIGTERM to it and its children (php -S forks workers), SIGKILL after 10 s so a hung shutdown cannot
# hang CI (bsi stops within a second or two).
stop_pid() {
    [ -n "${1:-}" ] || return 0
    # `|| true`: callers run under set -e, and pkill without children (dotnet has none) returns 1, which ended the
    # caller's cleanup right here: its exit status turned 1 and bsi serve was never stopped.
    pkill -TERM -P "$1" 2>/dev/null || true
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
}

bsi_stop() {
    stop_pid "${bsi_pid:-}"
    bsi_pid=""
}
