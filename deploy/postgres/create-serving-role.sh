#!/bin/sh
# Run by the postgres image once, when it initialises an empty data volume: creates the role the
# app serves as, with no attributes and owning nothing. The app migrates as POSTGRES_USER (the
# owner) and then grants it its rights: INSERT and SELECT only on audit_log. A volume
# initialised before this script existed needs the same statement once by hand (README).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role="$TELEVISIT_APP_USER" -v password="$TELEVISIT_APP_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
SQL
