"""The invoices Parquet table kept fresh by the real asset daemon (declarative automation).

Documents are materialised by ``invoice_job`` runs that never touch the table
(as the drop-folder sensor's and the backfill daemon's runs do); then the asset
daemon's real iteration evaluates ``invoices_automation_sensor`` against the
code location loaded in-process, and launches (synchronously, in this process)
the run that rewrites the table.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.asset_daemon import AssetDaemon

from invoice_pipeline import runner
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.jobs import JOB_NAME
from invoice_pipeline.processing.intake.store import DocumentStore
from invoice_pipeline.samples.einvoice import cii_xml, ubl_xml

SYNC_RUNS = {
    "run_coordinator": {
        "module": "dagster._core.run_coordinator",
        "class": "DefaultRunCoordinator",
    },
    "run_launcher": {
        "module": "dagster._core.launcher.sync_in_memory_run_launcher",
        "class": "SyncInMemoryRunLauncher",
    },
}


def _workspace(tmp_path: Path) -> InProcessWorkspaceLoadTarget:
    location = tmp_path / "automation_location.py"
    location.write_text(
        "from invoice_pipeline.definitions import build_definitions\n\ndefs = build_definitions()\n"
    )
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(python_file=str(location), working_directory=str(tmp_path)),
        location_name="invoice_pipeline",
    )
    return InProcessWorkspaceLoadTarget(origin)


def _table_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    return [
        r
        for r in instance.get_runs()
        if r.asset_selection and {k.to_user_string() for k in r.asset_selection} == {"invoices"}
    ]


def test_daemon_keeps_the_invoices_table_fresh(pipeline_env, tmp_path):
    store = DocumentStore(pipeline_env["storage"])
    table = pipeline_env["storage"] / "tables" / "invoices.parquet"
    defs = build_definitions()

    def process(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        key = store.register_file(path, origin="sensor").document_id
        instance.add_dynamic_partitions("documents", [key])
        result = runner.run_batch(defs, instance, [key])  # the six assets, not the table
        assert result.success
        return key

    daemon = AssetDaemon(settings={}, pre_sensor_interval_seconds=0)
    ticks = []

    def tick(context) -> None:
        """One daemon iteration, a minute after the last (past the sensor's interval)."""
        ticks.append(None)
        now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=len(ticks))
        with freeze_time(now), ThreadPoolExecutor(max_workers=1) as pool:
            daemon._run_iteration_impl(context, pool, {}, {})

    with (
        dg.instance_for_test(temp_dir=str(pipeline_env["home"]), overrides=SYNC_RUNS) as instance,
        create_test_daemon_workspace_context(_workspace(tmp_path), instance) as context,
    ):
        tick(context)  # the sensor runs before any document: nothing to do
        assert instance.get_runs() == []
        first = process("ubl.xml", ubl_xml())
        assert not table.exists()
        assert [r.job_name for r in instance.get_runs()] == [JOB_NAME]

        tick(context)
        runs = _table_runs(instance)
        assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS
        assert runs[0].tags.get("dagster/from_automation_condition") == "true"
        assert pq.read_table(table).column("document_id").to_pylist() == [first]

        tick(context)  # nothing changed: no second run
        assert len(_table_runs(instance)) == 1

        second = process("cii.xml", cii_xml())
        tick(context)
        runs = _table_runs(instance)
        assert len(runs) == 2 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        assert sorted(pq.read_table(table).column("document_id").to_pylist()) == sorted(
            [first, second]
        )
        # the table's schema and its latest rows (a pandas DataFrame) in the UI
        [latest] = instance.fetch_materializations(dg.AssetKey("invoices"), limit=1).records
        metadata = latest.asset_materialization.metadata
        written = pq.read_table(table)
        schema = metadata["dagster/column_schema"].value
        assert [c.name for c in schema.columns] == written.schema.names
        assert {c.name: c.type for c in schema.columns}["total_amount"] == "decimal128(18, 2)"
        assert metadata["dagster/row_count"].value == 2
        preview = metadata["preview"].value.records
        assert [r.data["document_id"] for r in preview] == written.column("document_id").to_pylist()
        totals = [str(v) for v in written.column("total_amount").to_pylist()]
        assert [r.data["total_amount"] for r in preview] == totals

    # running by default: `dagster dev` and the daemon evaluate it without a toggle in the UI
    sensor = defs.resolve_sensor_def("invoices_automation_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
