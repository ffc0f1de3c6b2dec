"""Engines of the results database and what differs between SQLite and PostgreSQL.

:func:`create_engine` opens a SQLAlchemy engine on any URL: a SQLite file
(its folder created, WAL journal synced at checkpoints, foreign keys on, writers taking the write lock
up front with ``BEGIN IMMEDIATE``) or a server (PostgreSQL through psycopg2,
connections checked before use). :func:`upsert` and :func:`insert_ignore` use
``ON CONFLICT`` where the dialect has it; :func:`is_transient` tells the errors
worth a retry; :func:`upgrade_schema` runs the alembic scripts of
``migrations/`` on one connection, under a PostgreSQL advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from invoice_pipeline.processing.results.migrations import MIGRATIONS_DIR

__all__ = [
    "MIGRATION_LOCK_KEY",
    "alembic_config",
    "create_engine",
    "insert_ignore",
    "is_transient",
    "sqlite_engine",
    "upgrade_schema",
    "upsert",
]

MIGRATION_LOCK_KEY = 0x1F0A_C3E5_0001  # pg advisory lock id for migrations


def is_transient(exc: BaseException) -> bool:
    """A lost connection, a restarting server or a locked SQLite file: worth a retry."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError):
        message = str(getattr(exc, "orig", exc) or exc).lower()
        permanent = ("no such table", "no such column", "syntax error", "already exists")
        return not any(p in message for p in permanent)
    return False


def sqlite_engine(url: sa.URL) -> Engine:
    """An engine on a SQLite file (its folder created): WAL, foreign keys, write lock up front.

    A connection with the execution option ``invoice_write`` begins with
    ``BEGIN IMMEDIATE``, so two writers queue instead of deadlocking.
    """
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not pysqlite, open transactions, so DDL is transactional too
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            # synced at checkpoints, not at every commit: a crash of the process loses
            # nothing, a power cut at most the last commits (the documents are kept)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # writers take the write lock up front: no deadlock on lock upgrade
        write = conn.get_execution_options().get("invoice_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def upsert(
    conn: Connection,
    table: sa.Table,
    values: dict[str, Any],
    keys: Sequence[str],
    update: Iterable[str],
) -> None:
    """Insert ``values``, or update the ``update`` columns of the row with the same ``keys``."""
    update = list(update)
    dialect = conn.dialect.name
    if dialect in {"postgresql", "sqlite"}:
        if dialect == "postgresql":
            stmt = postgresql.insert(table).values(values)
        else:
            from sqlalchemy.dialects import sqlite

            stmt = sqlite.insert(table).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
        conn.execute(stmt)
        return
    where = sa.and_(*(table.c[k] == values[k] for k in keys))
    result = conn.execute(table.update().where(where).values({c: values[c] for c in update}))
    if result.rowcount == 0:
        conn.execute(table.insert().values(values))


def insert_ignore(
    conn: Connection, table: sa.Table, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """Insert unless a row with the same ``keys`` exists; True when inserted."""
    dialect = conn.dialect.name
    if dialect in {"postgresql", "sqlite"}:
        if dialect == "postgresql":
            stmt = postgresql.insert(table).values(values)
        else:
            from sqlalchemy.dialects import sqlite

            stmt = sqlite.insert(table).values(values)
        return conn.execute(stmt.on_conflict_do_nothing(index_elements=list(keys))).rowcount == 1
    where = sa.and_(*(table.c[k] == values[k] for k in keys))
    if conn.execute(sa.select(sa.literal(1)).select_from(table).where(where)).first():
        return False
    conn.execute(table.insert().values(values))
    return True


POOL_SIZE = 5
"""Connections a process keeps open to a server database (PostgreSQL) once used."""
MAX_OVERFLOW = 10
"""Connections beyond :data:`POOL_SIZE` while threads write at once; closed when returned."""


def create_engine(url: str) -> Engine:
    """An engine on ``url``: :func:`sqlite_engine` for SQLite, a pre-pinging pool otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite_engine(parsed)
    return sa.create_engine(
        parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW
    )


def alembic_config(url: str) -> Config:
    """The alembic configuration of the scripts in ``migrations/`` for ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", make_url(url).render_as_string(False).replace("%", "%%"))
    return cfg


def upgrade_schema(conn: Connection, cfg: Config, revision: str) -> None:
    """Upgrade to ``revision`` in ``conn``'s transaction; PostgreSQL: under an advisory lock.

    On SQLite the write transaction (``BEGIN IMMEDIATE``) is the lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
