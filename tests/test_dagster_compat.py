"""The private Dagster APIs of ``invoice_pipeline.dagster_compat`` still behave as the code expects.

Each test drives one of them on a real (temporary) Dagster instance. A new
Dagster version that renames, removes or changes one fails here by name,
instead of slowing or breaking the pipeline somewhere downstream.
"""

import inspect
import re
from pathlib import Path

import dagster as dg
import pytest

from invoice_pipeline import dagster_compat as compat

REPO = Path(__file__).resolve().parents[1]

parts = dg.DynamicPartitionsDefinition(name="compat_docs")


def test_the_pinned_version_is_the_installed_one() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    pinned = re.search(r'"dagster==([0-9.]+)"', pyproject)
    assert pinned is not None, "pyproject.toml pins dagster"
    assert pinned.group(1) == compat.PINNED_DAGSTER == dg.__version__, (
        "dagster changed: check every private API in invoice_pipeline/dagster_compat.py, "
        "then update PINNED_DAGSTER"
    )


@dg.asset(partitions_def=parts)
def tagged(context: dg.AssetExecutionContext) -> None:
    keys = [context.partition_key] if context.has_partition_key else context.partition_keys
    assert compat.uses_metadata_accumulator(context), "the fast metadata path is gone"
    for key in keys:
        compat.add_partition_metadata(context, key, {"which": key})


def _instance(tmp_path: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))


def test_a_range_run_materialises_each_partition_with_its_own_metadata(tmp_path: Path) -> None:
    instance = _instance(tmp_path)
    instance.add_dynamic_partitions(parts.name, ["a", "b", "c"])
    job = dg.define_asset_job("compat_job", selection=[tagged], partitions_def=parts)
    defs = dg.Definitions(assets=[tagged], jobs=[job])
    result = defs.resolve_job_def("compat_job").execute_in_process(
        instance=instance, tags=compat.partition_range_tags("a", "b")
    )
    assert result.success
    events = result.asset_materializations_for_node("tagged")
    assert {e.partition: e.metadata["which"].value for e in events} == {"a": "a", "b": "b"}
    assert instance.get_materialized_partitions(dg.AssetKey("tagged")) == {"a", "b"}


def test_check_evaluations_are_logged_as_the_steps_events_on_any_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the batch path (the step's event list, a storage with store_batch) and the plain
    # log_event path (the stock ephemeral storage) both record every evaluation
    from invoice_pipeline.runner import get_instance
    from tests.test_instance_storage import assert_check_executions, checked

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "100")
    (tmp_path / "home").mkdir()
    job = dg.Definitions(assets=[checked]).resolve_implicit_global_asset_job_def()
    keys = ["doc-1", "doc-2", "doc-3"]
    for instance in (get_instance(), _instance(tmp_path)):
        assert hasattr(instance.event_log_storage, "store_batch") == (not instance.is_ephemeral)
        try:
            instance.add_dynamic_partitions("documents", keys)
            result = job.execute_in_process(
                instance=instance, tags=compat.partition_range_tags(keys[0], keys[-1])
            )
            assert result.success
            assert len(result.get_asset_check_evaluations()) == 6  # the step's events
            assert_check_executions(instance, result.run_id, keys)
        finally:
            instance.dispose()


def test_a_backfill_added_without_a_webserver_is_one_the_daemon_reads(tmp_path: Path) -> None:
    instance = _instance(tmp_path)
    instance.add_dynamic_partitions(parts.name, ["a", "b"])
    defs = dg.Definitions(assets=[tagged])
    backfill_id = compat.new_asset_backfill(
        instance,
        defs,
        asset_keys=[dg.AssetKey("tagged")],
        partition_keys=["a", "b"],
        tags={"invoice/origin": "test"},
        title="compat",
    )
    backfill = instance.get_backfill(backfill_id)
    assert backfill is not None
    assert backfill.tags == {"invoice/origin": "test"}
    assert backfill.title == "compat"
    assert set(backfill.asset_selection) == {dg.AssetKey("tagged")}
    assert backfill.status.value == "REQUESTED"
    subset = backfill.asset_backfill_data.target_subset
    assert {k.partition_key for k in subset.iterate_asset_partitions()} == {"a", "b"}


def test_the_sqlite_event_log_has_what_the_pooled_storage_overrides() -> None:
    storage = compat.SqliteEventLogStorage
    for name in ("_connect", "_initdb", "conn_string_for_shard", "wipe", "upgrade", "dispose"):
        assert hasattr(storage, name), f"SqliteEventLogStorage.{name} is gone"
    assert list(inspect.signature(storage._connect).parameters) == ["self", "shard"]
    initdb = inspect.signature(storage._initdb).parameters
    assert list(initdb)[:2] == ["self", "engine"]
    # the pooled storage calls _initdb(engine): every further parameter needs a default
    assert all(p.default is not p.empty for p in list(initdb.values())[2:])
    assert isinstance(compat.INDEX_SHARD_NAME, str)
    assert compat.SQLITE_BUSY_TIMEOUT_SECONDS > 0


def test_the_pooled_sqlite_storage_keeps_its_state_in_the_stock_attributes(
    tmp_path: Path,
) -> None:
    from invoice_pipeline.instance_storage.sqlite import PooledSqliteEventLogStorage

    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        # the stock class sets these in __init__; the pooled one relies on them
        assert isinstance(storage._initialized_dbs, set)
        assert hasattr(storage, "_db_lock")
        with storage._connect(compat.INDEX_SHARD_NAME) as conn:
            assert conn.exec_driver_sql("select 1").scalar() == 1
    finally:
        storage.dispose()


@pytest.mark.parametrize("name", ["SensorExecutionData", "ConfigurableClassData"])
def test_the_re_exported_types_are_classes(name: str) -> None:
    assert inspect.isclass(getattr(compat, name))
