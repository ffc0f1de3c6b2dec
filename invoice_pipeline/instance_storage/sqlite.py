"""Dagster's SQLite event log with its connections kept open: the embedded default's.

Dagster's ``SqliteEventLogStorage`` keeps one SQLite file per run plus an index
file, and for every read and write it creates a SQLAlchemy engine, opens the
file, runs the statement and throws both away. On this project's per-document
event log (about 25 writes a document) that set-up is most of Dagster's time.
This subclass keeps one engine per file, each holding its connection, for the
index and the most recent runs (:data:`HELD_RUNS`), behind the same lock the
stock class takes. Its files are kept in write-ahead mode with commits synced at
checkpoints (``PRAGMA synchronous=NORMAL``): each event is several commits, and
a synced rollback-journal commit costs far more than the insert (a crash of a
process loses nothing; a power cut at most the last events). Files, tables and
configuration (``base_dir``) are the stock ones, so an instance can switch
between the two classes at any time (Dagster's own class reads WAL files).
Measured by ``bench/dagster_overhead.py`` (README "Results"): about three
times faster per document in a batch.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from dagster import EventLogEntry
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from invoice_pipeline.dagster_compat import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    ConfigurableClassData,
    SqliteEventLogStorage,
)
from invoice_pipeline.instance_storage.batches import BatchedWrites

HELD_RUNS = 8
"""Run files whose engine stays open besides the index (the oldest is closed first)."""


def _write_ahead(dbapi_connection: Any, _record: Any) -> None:
    """A write-ahead journal, synced at checkpoints rather than at every commit."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class PooledSqliteEventLogStorage(BatchedWrites, SqliteEventLogStorage):
    """The stock SQLite event log, holding an open connection per recently used file."""

    RUN_ROWS = True

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    def has_table(self, table_name: str) -> bool:
        """Whether the index has the table; asked before every asset-check and tag write,
        so a table once found is remembered (tables are only dropped by wipe/upgrade)."""
        if table_name in self._tables:
            return True
        found = super().has_table(table_name)  # its own connection: callers may hold _db_lock
        if found:
            self._tables.add(table_name)
        return found

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The held engine of a shard (caller holds ``_db_lock``), created on first use."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            pool_size=1,
            # schema set-up inspects the file while holding a connection
            max_overflow=4,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _write_ahead)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for name in runs[: max(0, len(runs) - HELD_RUNS)]:
            self._engines.pop(name).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_all()
        self._tables.clear()  # the run files are deleted next
        super().wipe()

    def upgrade(self) -> None:
        self._close_all()
        self._tables.clear()
        super().upgrade()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """A run's per-document asset events and a step's check evaluations in one
        statement per file instead of two or three transactions per event
        (:mod:`invoice_pipeline.instance_storage.batches`); anything else one by one."""
        if not self.store_batch(events):
            super().store_event_batch(events)


def embedded_settings(home: os.PathLike[str] | str) -> str:
    """The embedded default's dagster.yaml: Dagster's SQLite files in ``home``, this event log."""
    runs = os.path.join(os.fspath(home), "history", "runs")
    return (
        "# The embedded default (written by invoice-pipeline): Dagster's SQLite files in this\n"
        "# folder, the event log through invoice_pipeline.instance_storage.sqlite (same files,\n"
        "# connections kept open); no usage statistics sent.\n"
        "event_log_storage:\n"
        "  module: invoice_pipeline.instance_storage.sqlite\n"
        "  class: PooledSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(runs)}\n"
        "telemetry:\n"
        "  enabled: false\n"
    )
