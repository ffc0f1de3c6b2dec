"""Dagster's PostgreSQL storages with their connection kept open: for `dagster.yaml`.

dagster-postgres opens a new database connection for every read and write
(SQLAlchemy ``NullPool``), so that no instance ever holds connections. The
event log of one document costs about 25 writes, each a fresh TCP connection
and authentication: that is most of Dagster's time per document on
PostgreSQL. These classes are the stock run, event-log and schedule storages
of dagster-postgres with the pooled engine the Dagster webserver gives itself
(``optimize_for_webserver``: one connection held open, more on demand,
recycled hourly), so a run worker, the daemon and the code server reuse their
connection too. Same configuration (``postgres_db`` or ``postgres_url``), same
tables; each process holds one idle connection per storage and at most
``POOL_SIZE + POOL_MAX_OVERFLOW`` per storage at once. (dagster-webserver
sets its own pool on start: ``--db-pool-max-overflow``.)

Every process that loads the instance must be able to import this module: our
images do (webserver, daemon, code server and run workers in
deploy/docker-compose.yml). Where the webserver and daemon run a stock Dagster
image (the official Helm chart), keep the chart's stock storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import EventLogEntry
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.run_storage import PostgresRunStorage
from dagster_postgres.schedule_storage import PostgresScheduleStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config
from sqlalchemy.exc import IntegrityError

from invoice_pipeline.dagster_compat import ConcurrencyLimitsTable, ConfigurableClassData
from invoice_pipeline.instance_storage.batches import BatchedWrites

STATEMENT_TIMEOUT_MS = 0
"""No statement timeout for run workers (the webserver sets its own, 15 s by default)."""
POOL_RECYCLE_S = 3600
"""A held connection is replaced after an hour (load balancers drop idle connections)."""
POOL_SIZE = 1
"""Connections each storage holds open (the pool size of ``optimize_for_webserver``)."""
POOL_MAX_OVERFLOW = 4
"""Connections beyond the held one, for threads writing at once (the daemon's threads).
SQLAlchemy closes an overflow connection as soon as it is returned, so an idle process
holds exactly :data:`POOL_SIZE` per storage; a sixth thread waits for a free one. With
8 concurrent runs, webserver and daemon (and their code servers) the server saw 24 to 26
connections to the Dagster database at most (tests/deploy/test_connection_load.py)."""


class _HeldConnection:
    """``from_config_value`` of the stock storage, then the webserver's pooled engine."""

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> Any:
        storage = cls(  # type: ignore[call-arg]
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
        storage.optimize_for_webserver(STATEMENT_TIMEOUT_MS, POOL_RECYCLE_S, POOL_MAX_OVERFLOW)
        return storage


class PooledPostgresRunStorage(_HeldConnection, PostgresRunStorage):
    """dagster-postgres's run storage on a held connection."""


class PooledPostgresEventLogStorage(BatchedWrites, _HeldConnection, PostgresEventLogStorage):
    """dagster-postgres's event log on a held connection.

    A run's planned materializations and a step's asset-check evaluations are written
    as one batch, one INSERT and the rest in the same transaction
    (:mod:`invoice_pipeline.instance_storage.batches`), where the stock
    ``store_event_batch`` writes them one by one (or refuses them, and Dagster falls back
    to that).
    Whether the index has a table is asked before every check write; a table once found
    is remembered (tables are only dropped by wipe/upgrade).

    Also safe when runs start a pool together: the first step of each run in a pool
    with no row yet (the ``llm`` pool on a fresh instance) inserts the pool's row with
    the default limit. Dagster's own code catches the insert's conflict with a run that
    inserted it first and goes on in the same transaction, which PostgreSQL has aborted
    (``InFailedSqlTransaction``): the run failed. Here the insert runs in a savepoint,
    so the conflict rolls back only the insert and the update that follows works.
    """

    _tables: set[str] | None = None

    def has_table(self, table_name: str) -> bool:
        tables = self._tables if self._tables is not None else set()
        self._tables = tables
        if table_name in tables:
            return True
        found = super().has_table(table_name)
        if found:
            tables.add(table_name)
        return found

    def wipe(self) -> None:
        self._tables = None
        super().wipe()

    def upgrade(self) -> None:
        self._tables = None
        super().upgrade()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if not self.store_batch(events):
            super().store_event_batch(events)

    def initialize_concurrency_limit_to_default(self, concurrency_key: str) -> bool:
        default_limit = (
            self._instance.global_op_concurrency_default_limit if (self.has_instance) else None
        )
        if (
            default_limit is None
            or not self.has_concurrency_limits_table
            or not self.has_default_pool_limit_col
        ):
            return super().initialize_concurrency_limit_to_default(concurrency_key)
        self._reconcile_concurrency_limits_from_slots()
        table = ConcurrencyLimitsTable
        with self.index_transaction() as conn:
            try:
                with conn.begin_nested():  # SAVEPOINT: a conflict keeps the transaction
                    conn.execute(
                        table.insert().values(
                            concurrency_key=concurrency_key,
                            limit=default_limit,
                            using_default_limit=True,
                        )
                    )
            except IntegrityError:  # another run inserted it first
                conn.execute(
                    table.update()
                    .values(limit=default_limit)
                    .where(
                        (table.c.concurrency_key == concurrency_key)
                        & (table.c.limit != default_limit)
                    )
                )
            self._allocate_concurrency_slots(conn, concurrency_key, default_limit)
        return True


class PooledPostgresScheduleStorage(_HeldConnection, PostgresScheduleStorage):
    """dagster-postgres's schedule and sensor-tick storage on a held connection."""
