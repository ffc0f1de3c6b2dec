"""The embedded default's event log with held connections, on real Dagster instances.

The same files must be readable by Dagster's stock SQLite event log (an instance can
switch back), only a bounded number of files may stay open, and wiping must still
delete the run files.
"""

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy

from invoice_pipeline.instance_storage import sqlite as pooled
from invoice_pipeline.runner import EARLIER_EMBEDDED_SETTINGS, get_instance

parts = dg.DynamicPartitionsDefinition(name="documents")


@dg.asset(partitions_def=parts)
def first(context: dg.AssetExecutionContext) -> int:
    return len(context.partition_key)


@dg.asset(partitions_def=parts)
def second(first: int) -> int:
    return first + 1


JOB = dg.define_asset_job("two", selection=[first, second])


def _job() -> dg.JobDefinition:
    return dg.Definitions(assets=[first, second], jobs=[JOB]).resolve_job_def("two")


@contextlib.contextmanager
def event_rows_per_insert() -> Iterator[list[int]]:
    """The number of rows of each INSERT into the event log's table while it is open."""
    rows: list[int] = []

    def count(conn, cursor, statement: str, *args: object) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO event_logs"):
            rows.append(statement.count("), (") + 1)

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", count)
    try:
        yield rows
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", count)


@pytest.fixture
def rows_per_insert() -> Iterator[list[int]]:
    with event_rows_per_insert() as rows:
        yield rows


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def test_get_instance_writes_the_embedded_settings(home: Path) -> None:
    instance = get_instance()
    try:
        assert type(instance.event_log_storage).__name__ == "PooledSqliteEventLogStorage"
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert (home / "history" / "runs" / "index.db").exists()
        assert "enabled: false" in (home / "dagster.yaml").read_text()  # no telemetry
    finally:
        instance.dispose()


def test_an_earlier_embedded_file_is_upgraded_and_a_users_own_is_kept(home: Path) -> None:
    (home / "dagster.yaml").write_text(EARLIER_EMBEDDED_SETTINGS)
    get_instance().dispose()
    assert "PooledSqliteEventLogStorage" in (home / "dagster.yaml").read_text()

    own = "telemetry:\n  enabled: true\n"
    (home / "dagster.yaml").write_text(own)
    instance = get_instance()
    try:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert (home / "dagster.yaml").read_text() == own
    finally:
        instance.dispose()


def test_events_are_the_stock_files_and_few_stay_open(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pooled, "HELD_RUNS", 2)
    instance = get_instance()
    keys = [f"doc-{i}" for i in range(4)]
    instance.add_dynamic_partitions("documents", keys)
    try:
        for key in keys:
            assert _job().execute_in_process(instance=instance, partition_key=key).success
        storage = instance.event_log_storage
        # the index and the two most recent runs
        assert len(storage._engines) == 3 and "index" in storage._engines
        run_ids = [r.run_id for r in instance.get_runs()]
    finally:
        instance.dispose()
    assert not storage._engines  # dispose closes every held file
    # written through a write-ahead journal (a commit is not a sync), merged back on close
    runs_dir = home / "history" / "runs"
    with contextlib.closing(sqlite3.connect(runs_dir / "index.db")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not list(runs_dir.glob("*.db-wal")), list(runs_dir.iterdir())

    # Dagster's own SQLite event log reads what was written
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    stock = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        materialized = stock.get_materialized_partitions(dg.AssetKey("second"))
        assert materialized == set(keys)
        for run_id in run_ids:
            types = {e.dagster_event.event_type for e in stock.all_logs(run_id) if e.dagster_event}
            assert dg.DagsterEventType.RUN_SUCCESS in types
    finally:
        stock.dispose()


def test_wipe_deletes_the_run_files_it_held(home: Path) -> None:
    instance = get_instance()
    instance.add_dynamic_partitions("documents", ["a"])
    try:
        result = _job().execute_in_process(instance=instance, partition_key="a")
        run_file = home / "history" / "runs" / f"{result.run_id}.db"
        assert run_file.exists()
        instance.event_log_storage.wipe()
        assert not run_file.exists()
        assert not instance.get_materialized_partitions(dg.AssetKey("second"))
        # and it keeps working afterwards (the wipe took the partitions too)
        instance.add_dynamic_partitions("documents", ["a"])
        assert _job().execute_in_process(instance=instance, partition_key="a").success
    finally:
        instance.dispose()


def test_settings_quote_any_folder_name(tmp_path: Path) -> None:
    odd = tmp_path / "a: b # c"
    odd.mkdir()
    (odd / "dagster.yaml").write_text(pooled.embedded_settings(odd))
    instance = dg.DagsterInstance.from_config(str(odd))
    try:
        assert instance.event_log_storage._base_dir == os.path.join(str(odd), "history", "runs")
    finally:
        instance.dispose()


def _run_one(home: str, key: str) -> bool:
    """One run in its own process, as the daemon's run launcher starts them."""
    os.environ["DAGSTER_HOME"] = home
    instance = get_instance()
    try:
        return _job().execute_in_process(instance=instance, partition_key=key).success
    finally:
        instance.dispose()


def test_runs_in_parallel_processes_share_the_files(home: Path) -> None:
    import multiprocessing

    keys = [f"p-{i}" for i in range(4)]
    instance = get_instance()
    instance.add_dynamic_partitions("documents", keys)
    instance.dispose()
    pool = multiprocessing.get_context("spawn").Pool(4)
    try:
        results = pool.starmap(_run_one, [(str(home), key) for key in keys])
    finally:
        # close + join lets every worker leave on its own; the context manager's
        # terminate() could hang on a worker that had installed Dagster's signal handling
        pool.close()
        pool.join()
    assert results == [True] * 4
    instance = get_instance()
    try:
        assert instance.get_materialized_partitions(dg.AssetKey("second")) == set(keys)
        assert len(instance.get_runs()) == 4
    finally:
        instance.dispose()


@dg.asset(partitions_def=parts, backfill_policy=dg.BackfillPolicy.single_run())
def ranged(context: dg.AssetExecutionContext) -> None:
    assert len(context.partition_keys) == 5  # one run over the range


def test_a_range_run_writes_its_materializations_in_one_batch(
    home: Path, monkeypatch: pytest.MonkeyPatch, rows_per_insert: list[int]
) -> None:
    # DAGSTER_EVENT_BATCH_SIZE as the code location sets it: one statement per file for
    # the five planned events and one for the five materializations, and every one
    # readable as if written one by one
    from invoice_pipeline import settings
    from invoice_pipeline.dagster_compat import partition_range_tags

    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    assert settings.batch_dagster_events() == settings.EVENT_BATCH_SIZE
    batches: list[int] = []
    original = pooled.PooledSqliteEventLogStorage.store_event_batch

    def spy(self: pooled.PooledSqliteEventLogStorage, events: list) -> None:  # type: ignore[type-arg]
        batches.append(len(events))
        original(self, events)

    monkeypatch.setattr(pooled.PooledSqliteEventLogStorage, "store_event_batch", spy)
    keys = [f"doc-{i}" for i in range(5)]
    instance = get_instance()
    instance.add_dynamic_partitions("documents", keys)
    job = dg.Definitions(assets=[ranged]).resolve_implicit_global_asset_job_def()
    try:
        result = job.execute_in_process(
            instance=instance, tags=partition_range_tags(keys[0], keys[-1])
        )
        assert result.success
        assert batches.count(5) == 2, batches  # the planned events, the materializations
        assert rows_per_insert.count(5) == 4  # each batch: one statement per file
        key = dg.AssetKey("ranged")
        assert instance.get_materialized_partitions(key) == set(keys)
        records = instance.fetch_materializations(key, limit=10).records
        assert sorted(r.partition_key for r in records) == keys
        run_events = [
            e for e in instance.all_logs(result.run_id)
            if e.dagster_event and e.dagster_event.is_step_materialization
        ]  # fmt: skip
        assert len(run_events) == 5
        planned = instance.fetch_planned_materializations(key, limit=10).records
        assert sorted(r.partition_key for r in planned) == keys
        # the asset's latest is the last one the step yielded (Dagster yields them unordered)
        latest = instance.get_latest_materialization_event(key)
        last = run_events[-1].dagster_event
        assert latest is not None and last is not None
        assert latest.dagster_event.partition == last.partition
        # the tags index finds each partition's materialization by its partition key
        for k in keys:
            found = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=[k]), limit=2
            ).records
            assert [r.partition_key for r in found] == [k]
    finally:
        instance.dispose()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    stock = dg.DagsterInstance.from_config(str(home))
    try:
        assert stock.get_materialized_partitions(dg.AssetKey("ranged")) == set(keys)
    finally:
        stock.dispose()


CHECKS = ("even", "short")


@dg.asset(
    partitions_def=parts,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[dg.AssetCheckSpec(n, asset="checked", partitions_def=parts) for n in CHECKS],
)
def checked(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]
    from invoice_pipeline.dagster_compat import log_check_evaluations

    log_check_evaluations(
        context,
        [
            dg.AssetCheckEvaluation(
                asset_key=context.asset_key,
                check_name=name,
                passed=int(key[-1]) % 2 == 0 if name == "even" else True,
                partition=key,
            )
            for key in context.partition_keys
            for name in CHECKS
        ],
    )
    yield dg.MaterializeResult()
    for output_name in context.assets_def.check_specs_by_output_name:
        yield dg.Output(None, output_name=output_name)


def assert_check_executions(instance: dg.DagsterInstance, run_id: str, keys: list[str]) -> None:
    """Every document's two checks recorded for the run, with its outcome."""
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus as Status,
    )

    evaluations = [
        e.dagster_event.event_specific_data
        for e in instance.all_logs(run_id)
        if e.dagster_event
        and e.dagster_event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    assert sorted((ev.partition, ev.check_name) for ev in evaluations) == sorted(
        (k, n) for k in keys for n in CHECKS
    )
    for name in CHECKS:
        check_key = dg.AssetCheckKey(dg.AssetKey("checked"), name)
        history = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=20)
        statuses = {r.partition: r.status for r in history if r.run_id == run_id}
        expected = {
            k: Status.FAILED if name == "even" and int(k[-1]) % 2 else Status.SUCCEEDED
            for k in keys
        }
        assert statuses == expected


def test_planned_events_and_check_evaluations_are_written_in_batches(
    home: Path, monkeypatch: pytest.MonkeyPatch, rows_per_insert: list[int]
) -> None:
    # ten evaluations (five documents, two checks): one INSERT per file, and each check's
    # execution row per document updated with its outcome, readable by the stock class
    from invoice_pipeline import settings
    from invoice_pipeline.dagster_compat import partition_range_tags

    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    settings.batch_dagster_events()
    keys = [f"doc-{i}" for i in range(5)]
    instance = get_instance()
    instance.add_dynamic_partitions("documents", keys)
    job = dg.Definitions(assets=[checked]).resolve_implicit_global_asset_job_def()
    try:
        result = job.execute_in_process(
            instance=instance, tags=partition_range_tags(keys[0], keys[-1])
        )
        assert result.success
        assert rows_per_insert.count(10) == 2  # the run's file and the index
        # the five planned materializations (planned with the checks) and the five
        # materializations: one statement per file each
        assert rows_per_insert.count(5) == 4
        assert len(result.get_asset_check_evaluations()) == 10
        assert_check_executions(instance, result.run_id, keys)
    finally:
        instance.dispose()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    stock = dg.DagsterInstance.from_config(str(home))
    try:
        assert_check_executions(stock, result.run_id, keys)
    finally:
        stock.dispose()
