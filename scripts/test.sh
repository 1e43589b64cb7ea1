#!/usr/bin/env bash
# Runs every test: the .NET solution (xunit, against the databases scripts/setup.sh starts), then the
# Typecho plugin's PHP tests against the real `bsi serve` (tests/TypechoPlugin/with-real-service.sh starts it on
# the fixture blog); ends with one line "N passed, N failed, N skipped" over both.
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test BlogSemanticIndex.sln 2>&1 | tee "$log"
dotnet_status=${PIPESTATUS[0]}
# One "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S" line per test assembly.
read -r passed failed skipped < <(grep -E '^(Passed|Failed)! +- Failed: ' "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { print p + 0, f + 0, s + 0 }')
if [ "$dotnet_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the build or a test host failed before reporting results
fi

bash tests/TypechoPlugin/with-real-service.sh 2>&1 | tee "$log"
php_status=${PIPESTATUS[0]}
read -r php_passed php_failed php_skipped < <(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -1 | awk '{ print $1, $3, $5 }')
passed=$((passed + ${php_passed:-0}))
failed=$((failed + ${php_failed:-0}))
skipped=$((skipped + ${php_skipped:-0}))
if [ "$php_status" -ne 0 ] && [ "${php_failed:-0}" -eq 0 ]; then
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$dotnet_status" -eq 0 ] && [ "$php_status" -eq 0 ]
