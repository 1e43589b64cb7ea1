#!/usr/bin/env bash
# Installs and starts, on loopback, everything BlogSemanticIndex and its tests need on
# Debian 12/13 or Ubuntu 24.04: the C++ runtime TorchSharp needs, PostgreSQL with pgvector,
# MariaDB and PHP (for the Typecho side), and the roles and databases the app and tests use.
# Idempotent: every step checks first, so a re-run (or a newer system) changes nothing.
set -euo pipefail
# A user's login PATH on Debian has no sbin directories, where ldconfig, pg_ctlcluster's helpers and service live.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
# Under set -e a failing step would end the script without a word; name it.
trap 'echo "setup: failed (exit $?) at scripts/setup.sh line $LINENO: $BASH_COMMAND" >&2' ERR

# Run as root (a container, a minimal VM) or as a user with sudo: each privileged step asks sudo itself, so the
# files the user's own tools write (NuGet caches, builds) stay theirs.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup: run this as root, or install sudo and run it as a user allowed to use it" >&2
    exit 2
  fi
  SUDO="sudo"
  echo "setup: not root; privileged steps run through sudo" >&2
fi
export DEBIAN_FRONTEND=noninteractive

# Development credentials for loopback-only servers; override them for anything shared.
BSI_DB_PASSWORD="${BSI_DB_PASSWORD:-bsi}"
TYPECHO_DB_PASSWORD="${TYPECHO_DB_PASSWORD:-typecho}"
READER_DB_PASSWORD="${READER_DB_PASSWORD:-bsi_reader}"

started=$SECONDS
log() { printf '[setup %4ds] %s\n' "$((SECONDS - started))" "$*"; }

. /etc/os-release
apt_updated=0
apt_update() { if [ "$apt_updated" -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi; }
apt_install() { apt_update; $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# --- .NET SDK ---------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  log "installing the .NET 10 SDK"
  if ! apt_install dotnet-sdk-10.0; then
    echo "setup: the .NET 10 SDK is missing and no apt source offers dotnet-sdk-10.0;" >&2
    echo "       install it from https://dotnet.microsoft.com/download and re-run." >&2
    exit 1
  fi
fi

# --- Debian 13 suite, pinned low: only what we ask for by name comes from it ----------------
trixie_added=0
add_trixie() {
  [ "$trixie_added" -eq 1 ] && return
  if [ ! -f /etc/apt/sources.list.d/bsi-trixie.sources ]; then
    log "adding the Debian 13 (trixie) suite with pin priority 100"
    $SUDO tee /etc/apt/sources.list.d/bsi-trixie.sources >/dev/null <<'SRC'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO tee /etc/apt/preferences.d/bsi-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    apt_updated=0
  fi
  trixie_added=1
}

# --- C++ runtime for TorchSharp 0.107.0 (libtorch 2.10 needs GLIBCXX_3.4.32) ----------------
libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {found = $NF} END {print found}')
if ! grep -aq 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  if [ "$ID" = "debian" ] && [ "${VERSION_ID%%.*}" = "12" ]; then
    add_trixie
    log "upgrading libstdc++6 (and libc6) from trixie"
    apt_install -t trixie libstdc++6
  else
    echo "setup: $libstdcxx lacks GLIBCXX_3.4.32, which TorchSharp needs; install a newer libstdc++6." >&2
    exit 1
  fi
fi

# --- PostgreSQL with pgvector -------------------------------------------------------------
pg_major() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }
if [ -z "$(pg_major)" ] || [ ! -x "/usr/lib/postgresql/$(pg_major)/bin/postgres" ]; then
  log "installing PostgreSQL"
  if [ "$ID" = "debian" ] && [ "${VERSION_ID%%.*}" = "12" ]; then
    # After the libc upgrade above the dev packages must match it, so they come from trixie too.
    add_trixie
    apt_install postgresql-15 postgresql-server-dev-15 make gcc dpkg-dev libc6-dev/trixie locales/trixie
  else
    apt_install postgresql
  fi
fi
PG=$(pg_major)
if [ ! -f "/usr/share/postgresql/$PG/extension/vector.control" ]; then
  apt_update
  if apt-cache show "postgresql-$PG-pgvector" >/dev/null 2>&1; then
    log "installing postgresql-$PG-pgvector"
    apt_install "postgresql-$PG-pgvector"
  else
    # Debian 12 has no pgvector package: build trixie's source (0.8.0) against PostgreSQL $PG.
    add_trixie; apt_update
    have_pkg "postgresql-server-dev-$PG" || apt_install "postgresql-server-dev-$PG" make gcc dpkg-dev
    log "building pgvector from source for PostgreSQL $PG"
    build=$(mktemp -d)
    (cd "$build" && apt-get source -qq pgvector >/dev/null 2>&1 && cd pgvector-*/ \
      && make -s with_llvm=no PG_CONFIG="/usr/lib/postgresql/$PG/bin/pg_config" >/dev/null \
      && $SUDO make -s with_llvm=no PG_CONFIG="/usr/lib/postgresql/$PG/bin/pg_config" install >/dev/null)
    rm -rf "$build"
  fi
fi

if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$PG main$"; then
  log "creating PostgreSQL cluster $PG/main (UTF-8)"
  $SUDO pg_createcluster "$PG" main --locale=C.UTF-8 >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$PG" '$1==v && $2=="main" {print $4}' | grep -q online; then
  log "starting PostgreSQL $PG"
  $SUDO pg_ctlcluster "$PG" main start
else
  # A server started before the libc upgrade above still maps the old, now deleted libc, which
  # cannot load a pgvector built against the new one ("GLIBC_2.38 not found").
  pg_pid=$($SUDO head -1 "$(pg_lsclusters -h | awk -v v="$PG" '$1==v && $2=="main" {print $6}')/postmaster.pid")
  if $SUDO grep -q 'libc\.so\.6 (deleted)' "/proc/$pg_pid/maps"; then
    log "restarting PostgreSQL $PG on the upgraded C library"
    $SUDO pg_ctlcluster "$PG" main restart
  fi
fi
PGPORT=$(pg_lsclusters -h | awk -v v="$PG" '$1==v && $2=="main" {print $3}')

as_postgres() { if [ -z "$SUDO" ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
psql_su() { as_postgres psql -p "$PGPORT" -v ON_ERROR_STOP=1 -qAt "$@"; }
pg_role() { # name password [options]
  if [ "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname='$1'")" != "1" ]; then
    psql_su -c "CREATE ROLE $1 LOGIN PASSWORD '$2' ${3:-}"
  fi
}
pg_db() { # name owner
  if [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname='$1'")" != "1" ]; then
    psql_su -c "CREATE DATABASE $1 OWNER $2 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
  fi
}
log "PostgreSQL roles and databases"
pg_role bsi "$BSI_DB_PASSWORD" CREATEDB
pg_role typecho "$TYPECHO_DB_PASSWORD"
pg_role bsi_reader "$READER_DB_PASSWORD"
for db in bsi bsi_test; do
  pg_db "$db" bsi
  # pgvector is not a trusted extension, so the superuser creates it once per database.
  psql_su -d "$db" -c "CREATE EXTENSION IF NOT EXISTS vector"
done
pg_db typecho typecho

# --- MariaDB and PHP (the Typecho side) --------------------------------------------------
have_pkg mariadb-server || { log "installing MariaDB"; apt_install mariadb-server mariadb-client; }
php_packages="php-cli php-mysql php-sqlite3 php-curl php-mbstring phpunit sqlite3 curl"
for p in $php_packages; do
  # shellcheck disable=SC2086
  have_pkg "$p" || { log "installing PHP CLI, extensions and PHPUnit"; apt_install $php_packages; break; }
done
if ! mysqladmin ping --silent 2>/dev/null; then
  log "starting MariaDB"
  $SUDO service mariadb start >/dev/null
fi
log "MariaDB users and databases"
$SUDO mysql <<SQL
CREATE DATABASE IF NOT EXISTS typecho CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'typecho'@'localhost' IDENTIFIED BY '$TYPECHO_DB_PASSWORD';
CREATE USER IF NOT EXISTS 'typecho'@'127.0.0.1' IDENTIFIED BY '$TYPECHO_DB_PASSWORD';
GRANT ALL ON \`typecho%\`.* TO 'typecho'@'localhost';
GRANT ALL ON \`typecho%\`.* TO 'typecho'@'127.0.0.1';
CREATE USER IF NOT EXISTS 'bsi_reader'@'localhost' IDENTIFIED BY '$READER_DB_PASSWORD';
CREATE USER IF NOT EXISTS 'bsi_reader'@'127.0.0.1' IDENTIFIED BY '$READER_DB_PASSWORD';
-- The indexer only reads: SELECT on the blog databases (a site grants just contents, metas, relationships).
GRANT SELECT ON \`typecho%\`.* TO 'bsi_reader'@'localhost';
GRANT SELECT ON \`typecho%\`.* TO 'bsi_reader'@'127.0.0.1';
SQL

# --- Chromium: the plugin's real-Typecho suite checks in a headless browser what a visitor sees ---------
have_pkg chromium || { log "installing Chromium (headless, for the plugin's browser check)"; apt_install chromium fonts-noto-cjk; }

log "done: PostgreSQL $PG on 127.0.0.1:$PGPORT (pgvector), MariaDB on 127.0.0.1:3306, $(php -r 'echo "PHP ", PHP_VERSION;')"
