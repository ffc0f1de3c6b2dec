"""A run's per-document events written a batch at a time, for both instance storages.

Dagster hands events to ``store_event_batch`` in batches when
``DAGSTER_EVENT_BATCH_SIZE`` is set (the code location sets it:
``settings.batch_dagster_events``): a run over a range of documents plans every
asset of every document at its start, yields one materialization per document from
each step, and logs each step's asset-check evaluations together
(:func:`invoice_pipeline.dagster_compat.log_check_evaluations`). The stock storages
write most of these one by one, each event in two or three transactions: the event
row (the run's file and the index on SQLite, one table on PostgreSQL), its tags and
the asset's row, or the check's execution row (planned at the run's start, updated
with the outcome). With six assets and about seven checks per document that was most
of the event log's time. :class:`BatchedWrites` writes such a batch with one INSERT
per file and the rest in one index transaction:

- asset events (materializations, observations, planned materializations): their tags,
  and each asset's own row once, from its last event, as dagster-postgres's
  ``store_event_batch`` does for materializations;
- check evaluations: each check's execution row, through Dagster's own
  ``store_asset_check_event`` (its SQL, its insert when no planned row exists), with
  the storage's ``index_connection`` pinned to that transaction for this thread.

Anything else (events of several runs or kinds, failures) is written as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dagster import DagsterEventType, EventLogEntry
from sqlalchemy.engine import Connection

from invoice_pipeline.dagster_compat import SqlEventLogStorageTable

ASSET_EVENTS = frozenset(
    {
        DagsterEventType.ASSET_MATERIALIZATION,
        DagsterEventType.ASSET_OBSERVATION,
        DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    }
)
"""Asset events written a batch at a time."""
CHECK_EVENTS = frozenset({DagsterEventType.ASSET_CHECK_EVALUATION})
"""Check events written a batch at a time (a planned check names a set of partitions)."""


def groups(events: Sequence[EventLogEntry]) -> list[list[EventLogEntry]] | None:
    """The events of one run split by type, in order of first appearance (a run's start
    plans its materializations and its checks in one batch); None when nothing in it is
    worth a batch (other runs, or no two events of a batched type)."""
    if len(events) < 2 or len({e.run_id for e in events}) != 1:
        return None
    by_type: dict[Any, list[EventLogEntry]] = {}
    for event in events:
        kind = event.get_dagster_event().event_type if event.is_dagster_event else None
        by_type.setdefault(kind, []).append(event)
    if not any(k in ASSET_EVENTS | CHECK_EVENTS and len(g) > 1 for k, g in by_type.items()):
        return None
    return list(by_type.values())


class BatchedWrites:
    """Mixin for a ``SqlEventLogStorage``: :meth:`store_batch` writes a batch of one run's
    asset events or check evaluations; ``index_connection`` can be pinned to an open
    transaction. ``RUN_ROWS``: the storage keeps each run's events in a file of its own
    (SQLite) besides the index."""

    RUN_ROWS = False
    _pinned = threading.local()

    @contextmanager
    def index_connection(self) -> Iterator[Connection]:
        held = getattr(self._pinned, "by_storage", {}).get(id(self))
        if held is not None:
            yield held
            return
        with super().index_connection() as conn:  # type: ignore[misc]
            yield conn

    @contextmanager
    def _pin(self, conn: Connection) -> Iterator[None]:
        by_storage = getattr(self._pinned, "by_storage", None)
        if by_storage is None:
            by_storage = self._pinned.by_storage = {}
        by_storage[id(self)] = conn
        try:
            yield
        finally:
            by_storage.pop(id(self), None)

    def store_batch(self, events: Sequence[EventLogEntry]) -> bool:
        """Write ``events`` in batches where they are one run's (see the module), the rest
        one by one; whether it did (False: nothing done, leave them to the stock method)."""
        found = groups(events)
        if found is None:
            return False
        storage: Any = self
        for group in found:
            kind = group[0].get_dagster_event().event_type if group[0].is_dagster_event else None
            if len(group) > 1 and kind in ASSET_EVENTS | CHECK_EVENTS:
                self._write_group(group, checks=kind in CHECK_EVENTS)
            else:
                for event in group:
                    storage.store_event(event)
        return True

    def _write_group(self, events: Sequence[EventLogEntry], *, checks: bool) -> None:
        storage: Any = self
        insert = storage.prepare_insert_event_batch(events)
        if self.RUN_ROWS:
            with storage.run_connection(events[0].run_id) as conn:
                conn.execute(insert)
        with storage.index_transaction() as conn:
            rows = conn.execute(insert.returning(SqlEventLogStorageTable.c.id)).fetchall()
            ids = sorted(int(row[0]) for row in rows)  # one INSERT: ids in VALUES order
            if checks:
                with self._pin(conn):
                    for event, event_id in zip(events, ids, strict=True):
                        storage.store_asset_check_event(event, event_id)
                return
            storage._store_asset_event_tags(conn, events, ids)
            last = {
                e.get_dagster_event().asset_key: (e, i) for e, i in zip(events, ids, strict=True)
            }
            for event, event_id in last.values():
                storage._store_asset_event(conn, event, event_id)
