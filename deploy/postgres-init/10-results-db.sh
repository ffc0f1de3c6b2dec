#!/bin/sh
# First start of the postgres container only: create the results database
# (INVOICE_RESULTS_DB, default `invoices`) beside the Dagster instance database.
# The pipeline creates its tables itself (alembic migrations in ResultsStore.migrate).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE DATABASE \"${INVOICE_RESULTS_DB:-invoices}\" OWNER \"$POSTGRES_USER\""
