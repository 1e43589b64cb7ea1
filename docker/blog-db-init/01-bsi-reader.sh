#!/bin/bash
# MariaDB's image runs this once, on an empty data directory: the read-only account bsi reads the blog with.
# SELECT on the blog's database only (Typecho creates its tables later, at install; narrow it to typecho_contents,
# typecho_metas and typecho_relationships afterwards if you like: README, "Reading the blog with least privilege").
set -euo pipefail
mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" <<SQL
CREATE USER IF NOT EXISTS 'bsi_reader'@'%' IDENTIFIED BY '${READER_DB_PASSWORD}';
GRANT SELECT ON \`${MARIADB_DATABASE}\`.* TO 'bsi_reader'@'%';
SQL
