"""Alembic migrations of the results database, run programmatically by ``ResultsStore.migrate``.

The scripts live in ``versions/``; ``env.py`` uses the connection that
``ResultsStore.migrate`` hands over (under its lock) or, for the ``alembic``
command line, the ``sqlalchemy.url`` of the config. Versions are kept in their
own table, ``invoice_results_alembic_version``, so the results may share a
database with Dagster's storage, which uses alembic too.
"""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "invoice_results_alembic_version"
