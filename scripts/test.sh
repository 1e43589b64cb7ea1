#!/usr/bin/env bash
# Runs every test: the .NET solution (xunit, against the databases scripts/setup.sh starts), the Typecho plugin's
# PHP tests against the real `bsi serve` (tests/TypechoPlugin/with-real-service.sh starts it on the fixture blog),
# then the plugin on real Typecho 1.2.1 and 1.3.0 sites (tests/TypechoPlugin/RealTypecho/run.sh); ends with one line
# "N passed, N failed, N skipped" over all three.
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

# A suite that ends with its own "N passed, N failed, N skipped" line: add its counts.
php_status=0
run_suite() {
  bash "$1" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]} p f s
  read -r p f s < <(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -1 | awk '{ print $1, $3, $5 }')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${s:-0}))
  if [ "$status" -ne 0 ]; then
    php_status=$status
    [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
  fi
}
run_suite tests/TypechoPlugin/with-real-service.sh
run_suite tests/TypechoPlugin/RealTypecho/run.sh

echo "$passed passed, $failed failed, $skipped skipped"
[ "$dotnet_status" -eq 0 ] && [ "$php_status" -eq 0 ]
