#!/usr/bin/env bash
# Runs the README's first command exactly as written, the way a new user would, in both situations the README promises:
#   1. as a user allowed to use sudo, from a fresh clone in their home: the first, full set-up of this machine;
#   2. as root where sudo does not exist (a container, a minimal VM): the set-up again, then the main job (`bsi demo`) until
#      its /healthz answers.
# Ends with "N passed, N failed, N skipped" over the two checks. Must run as root (it creates the sudo user).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

command_line=$(awk '/^## Quick start/ { q = 1 } q && /^```sh/ { getline; print; exit }' README.md)
[ -n "$command_line" ] || { echo "README has no first command under '## Quick start'"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
echo "README's first command: $command_line"

passed=0 failed=0
result() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "PASS: $2"; else failed=$((failed + 1)); echo "FAIL: $2"; fi; }

# 1. A user with sudo: the set-up part of the command (the main job would download the NuGet packages a second time
#    for this user, ~3 GB; the root run below covers it).
setup_part=${command_line%% && *}
export DEBIAN_FRONTEND=noninteractive
command -v sudo >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends sudo >/dev/null; }
id bsi-setup-check >/dev/null 2>&1 || useradd --create-home --shell /bin/bash bsi-setup-check
# install -m 0440: sudo ignores a sudoers file others can write (a CI runner's umask may be 0).
echo 'bsi-setup-check ALL=(ALL) NOPASSWD:ALL' | install -m 0440 /dev/stdin /etc/sudoers.d/bsi-setup-check
rm -rf /home/bsi-setup-check/repo
git clone -q "$repo" /home/bsi-setup-check/repo && chown -R bsi-setup-check: /home/bsi-setup-check/repo
# A login shell, so the user has their own PATH (no sbin directories on Debian), not root's.
runuser -l bsi-setup-check -c "cd ~/repo && $setup_part" 2>&1 | sed 's/^/[sudo user] /'
code=${PIPESTATUS[0]}
[ "$code" -eq 0 ] || echo "[sudo user] exit code $code"
result "$code" "as a user with sudo: $setup_part"

# 2. Root without sudo: a sudo that fails first on PATH proves the script never calls it as root.
shim=$(mktemp -d)
printf '#!/bin/sh\necho "sudo called as root: $*" >&2\nexit 97\n' >"$shim/sudo" && chmod +x "$shim/sudo"
log=$(mktemp)
PATH="$shim:$PATH" setsid bash -c "$command_line" >"$log" 2>&1 &
job=$!
healthy=1
for _ in $(seq 1 900); do
  if curl -fsS -o /dev/null http://127.0.0.1:5280/healthz 2>/dev/null; then healthy=0; break; fi
  kill -0 "$job" 2>/dev/null || break
  sleep 1
done
kill -TERM -- "-$job" 2>/dev/null; wait "$job" 2>/dev/null
sed 's/^/[root, no sudo] /' "$log" | tail -40
grep -q "sudo called as root" "$log" && healthy=1
result "$healthy" "as root without sudo: $command_line (until /healthz answers)"
rm -rf "$shim" "$log"

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
