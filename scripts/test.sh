#!/usr/bin/env bash
# Runs every test: the .NET solution (xunit, against the databases scripts/setup.sh starts) and the
# Typecho plugin's PHP tests; ends with one line "N passed, N failed, N skipped".
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

php_status=0
if [ -f tests/TypechoPlugin/run.sh ]; then
  bash tests/TypechoPlugin/run.sh 2>&1 | tee "$log"
  php_status=${PIPESTATUS[0]}
  read -r php_passed php_failed < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | awk '{ print $1, $3 }')
  passed=$((passed + ${php_passed:-0}))
  failed=$((failed + ${php_failed:-0}))
  if [ "$php_status" -ne 0 ] && [ "${php_failed:-0}" -eq 0 ]; then
    failed=$((failed + 1))
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$dotnet_status" -eq 0 ] && [ "$php_status" -eq 0 ]
