"""The production dagster.yaml on the real PostgreSQL server, and the whole pipeline on it.

The top-level dagster.yaml is copied into a temporary DAGSTER_HOME and loaded by dagster
1.13.27 with the DAGSTER_PG_* variables pointing at a database created for this session.
The pipeline test drops generated invoices into a temporary inbox and runs
`dagster-daemon run -w workspace.yaml` for real: drop_folder_sensor registers the documents
and requests runs, the QueuedRunCoordinator (max one run at a time here) hands them to the
DefaultRunLauncher, and the records land in a results database on the same server.
"""

from __future__ import annotations

import dagster as dg
import pytest
from dagster import DagsterEventType, DagsterRunStatus, RunsFilter
from dagster._core.definitions.run_request import InstigatorType
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.scheduler.instigation import TickStatus

from invoice_pipeline.processing.results.store import ResultsStore

from .conftest import PipelinePass, ProdEnv, pg_query

pytestmark = pytest.mark.postgres

DOCUMENT_ASSETS = ["raw", "preprocessed", "ocr_text", "llm_fields", "validated", "evaluation"]


def _failure_messages(instance: dg.DagsterInstance, run_id: str) -> str:
    """The step and run failures of a run, for the assertion message."""
    failures = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.event_type in (
            DagsterEventType.STEP_FAILURE,
            DagsterEventType.RUN_FAILURE,
        ):
            error = getattr(event.event_specific_data, "error", None)
            failures.append(
                f"{event.step_key or 'run'}: {error.to_string() if error else event.message}"
            )
    return f"run {run_id} failed:\n" + "\n".join(failures)


def test_production_yaml_loads_on_postgres(prod_env: ProdEnv) -> None:
    with prod_env.instance() as instance:
        assert type(instance.run_storage).__name__ == "PooledPostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PooledPostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PooledPostgresScheduleStorage"
        for storage in (
            instance.run_storage,
            instance.event_log_storage,
            instance.schedule_storage,
        ):
            # a held connection, not dagster-postgres's connection per call (NullPool)
            assert type(storage._engine.pool).__name__ == "QueuePool"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.event_log_storage.supports_global_concurrency_limits

        config = instance.get_concurrency_config()
        queue = config.run_queue_config
        assert queue is not None
        assert queue.max_concurrent_runs == 1  # from DAGSTER_MAX_CONCURRENT_RUNS
        limits = {(t["key"], t.get("value")): t["limit"] for t in queue.tag_concurrency_limits}
        assert limits[("dagster/backfill", None)] == 2
        assert limits[("invoice/origin", "sensor")] == 16
        assert config.pool_config.default_pool_limit == 4  # the `llm` pool

        monitoring = instance.run_monitoring_settings
        assert monitoring["enabled"] is True
        assert monitoring["free_slots_after_run_end_seconds"] == 300
        assert monitoring["max_runtime_seconds"] == 7200
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert instance.run_retries_retry_on_asset_or_op_failure is False

        retention = instance.get_tick_retention_settings(InstigatorType.SENSOR)
        assert retention[TickStatus.SKIPPED] == 7
        assert retention[TickStatus.SUCCESS] == 90

    # the tables were created in this session's database, nowhere else
    query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    tables = {row[0] for row in pg_query(prod_env.databases["dagster"], query)}
    assert {"runs", "event_logs", "job_ticks", "concurrency_limits", "dynamic_partitions"} <= tables


def test_connection_comes_from_the_environment(prod_env: ProdEnv) -> None:
    """dagster.yaml holds no connection settings: without DAGSTER_PG_HOST it does not load."""
    from dagster._core.instance import DagsterInstance

    env = {k: v for k, v in prod_env.env.items() if k != "DAGSTER_PG_HOST"}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_PG_HOST", raising=False)
        for key, value in env.items():
            mp.setenv(key, value)
        with pytest.raises(DagsterInvalidConfigError, match="DAGSTER_PG_HOST"):
            DagsterInstance.from_config(str(prod_env.home))


def test_embedded_default_keeps_sqlite(tmp_path) -> None:
    """A DAGSTER_HOME without dagster.yaml stays on Dagster's SQLite files."""
    from dagster._core.instance import DagsterInstance

    instance = DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
    finally:
        instance.dispose()


def test_drop_folder_to_results_on_postgres(prod_env: ProdEnv, pipeline_pass: PipelinePass) -> None:
    with prod_env.instance() as instance:
        records = instance.get_run_records(filters=RunsFilter(job_name="invoice_job"))
        assert len(records) == len(pipeline_pass.documents)

        doc_ids = set()
        for record in records:
            run = record.dagster_run
            assert run.status == DagsterRunStatus.SUCCESS, _failure_messages(instance, run.run_id)
            assert run.tags["invoice/origin"] == "sensor"
            assert run.tags["dagster/sensor_name"] == "drop_folder_sensor"
            doc_ids.add(run.tags["dagster/partition"])
            # through the instance's queue and launcher, not executed in place
            kinds = {
                e.dagster_event.event_type
                for e in instance.all_logs(run.run_id)
                if e.dagster_event is not None
            }
            assert {
                DagsterEventType.RUN_ENQUEUED,
                DagsterEventType.RUN_STARTING,
                DagsterEventType.RUN_START,
                DagsterEventType.RUN_SUCCESS,
            } <= kinds

        # DAGSTER_MAX_CONCURRENT_RUNS=1: the second run waited in the queue for the first
        spans = sorted((r.start_time, r.end_time) for r in records)
        for (_, first_end), (second_start, _) in zip(spans, spans[1:], strict=False):
            assert second_start >= first_end - 0.5

        assert doc_ids == set(pipeline_pass.documents)  # one run per dropped file
        assert set(instance.get_dynamic_partitions("documents")) == doc_ids
        for name in DOCUMENT_ASSETS:
            assert instance.get_materialized_partitions(dg.AssetKey(name)) == doc_ids, name

        # the `llm` pool got its default limit and no run holds a slot any more
        info = instance.event_log_storage.get_concurrency_info("llm")
        assert info.limit == 4 and info.slot_count == 4
        assert info.claimed_slots == [] and info.pending_steps == []

    # everything above lives in this session's PostgreSQL database
    db = prod_env.databases["dagster"]
    assert pg_query(db, "SELECT count(*) FROM runs")[0][0] == len(records)
    ticks = dict(pg_query(db, "SELECT status, count(*) FROM job_ticks GROUP BY status"))
    assert ticks.get("SUCCESS", 0) >= 1

    store = ResultsStore(prod_env.env["INVOICE_RESULTS_DB_URL"])
    try:
        for doc_id, dropped in pipeline_pass.documents.items():
            record = store.get_record(doc_id)
            assert record is not None, dropped.file_name
            assert record.source_file.endswith(dropped.file_name)
            assert record.status in ("approved", "manual_review"), (doc_id, record.issues)
            assert record.invoice_number == dropped.truth.invoice_number, doc_id
            assert record.total_amount == dropped.truth.total_amount, doc_id
            assert record.currency == dropped.truth.currency, doc_id
    finally:
        store.close()
    rows = pg_query(prod_env.databases["results"], "SELECT count(*) FROM invoices")
    assert rows[0][0] == len(pipeline_pass.documents)


def test_runs_starting_a_pool_together_all_get_its_slots(prod_env: ProdEnv) -> None:
    """The first step of each of several runs in a pool without a row yet (the `llm` pool
    on a fresh instance) initialises it at once. Dagster's own code then failed a run on
    PostgreSQL (InFailedSqlTransaction, seen in tests/deploy/test_connection_load.py);
    the pooled event log initialises it in a savepoint."""
    import threading

    from dagster_postgres.event_log import PostgresEventLogStorage
    from sqlalchemy.exc import InternalError

    from invoice_pipeline.dagster_compat import ConcurrencyLimitsTable

    def insert_row(storage, key: str) -> None:  # noqa: ANN001 - another run wins the race
        with storage.index_transaction() as conn:
            conn.execute(
                ConcurrencyLimitsTable.insert().values(
                    concurrency_key=key, limit=4, using_default_limit=True
                )
            )

    with prod_env.instance() as instance:
        storage = instance.event_log_storage
        # why the override exists: the stock code fails when the row appeared meanwhile
        insert_row(storage, "race-stock")
        with pytest.raises(InternalError, match="InFailedSqlTransaction"):
            PostgresEventLogStorage.initialize_concurrency_limit_to_default(storage, "race-stock")
        # ours: the same situation, then eight runs at once on a new pool
        insert_row(storage, "race-row")
        assert storage.initialize_concurrency_limit_to_default("race-row")
        assert storage.get_concurrency_info("race-row").slot_count == 4
        errors: list[BaseException] = []

        def start() -> None:
            try:
                storage.initialize_concurrency_limit_to_default("race-threads")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        info = storage.get_concurrency_info("race-threads")
        assert (info.slot_count, info.limit, info.using_default_limit) == (4, 4, True)


def test_planned_events_and_check_evaluations_are_written_in_batches(
    prod_env: ProdEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run over five documents: its five planned materializations in one INSERT (the
    stock storage writes them one by one), and the step's ten check evaluations (two
    checks) in one INSERT with each check's execution row per document updated with its
    outcome, in one transaction (the stock storage refuses the batch: three statements
    each)."""
    from invoice_pipeline.dagster_compat import partition_range_tags
    from tests.test_instance_storage import (
        assert_check_executions,
        checked,
        event_rows_per_insert,
    )

    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "100")
    keys = [f"batch-test-{i}" for i in range(5)]
    job = dg.Definitions(assets=[checked]).resolve_implicit_global_asset_job_def()
    key = dg.AssetKey("checked")
    with event_rows_per_insert() as rows_per_insert, prod_env.instance() as instance:
        # the instance is the session's (the webserver's tests list its documents): the
        # partitions and the asset go again afterwards
        instance.add_dynamic_partitions("documents", keys)
        try:
            result = job.execute_in_process(
                instance=instance, tags=partition_range_tags(keys[0], keys[-1])
            )
            assert result.success
            assert rows_per_insert.count(10) == 1
            assert rows_per_insert.count(5) == 2  # planned, then the materializations
            assert_check_executions(instance, result.run_id, keys)
            planned = instance.fetch_planned_materializations(key, limit=10).records
            assert sorted(r.partition_key for r in planned) == keys
            assert instance.get_materialized_partitions(key) == set(keys)
        finally:
            for doc in keys:
                instance.delete_dynamic_partition("documents", doc)
            instance.wipe_assets([key])
