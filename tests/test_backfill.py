"""Backfills over document sets: selection, real Dagster backfills run by the daemon, --now.

The daemon test loads the code location in-process the way Dagster's own
daemon tests do (``InProcessWorkspaceLoadTarget``) and runs the real asset
backfill daemon iteration, with runs launched synchronously in this process
(``SyncInMemoryRunLauncher``) instead of in subprocesses.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner
from dagster._core.execution.backfill import BulkActionStatus
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.storage.tags import BACKFILL_ID_TAG
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.backfill import execute_backfill_iteration

from invoice_pipeline import backfill as bf
from invoice_pipeline.cli import main
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.jobs import JOB_NAME
from invoice_pipeline.processing.intake.store import DocumentStore
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.runner import QUIET_RUN_CONFIG
from invoice_pipeline.samples.einvoice import cii_xml, ubl_xml
from invoice_pipeline.schema import DocumentEntry, Evaluation, InvoiceRecord

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


@pytest.fixture(scope="module")
def instance_template(tmp_path_factory) -> Path:
    """An empty instance made once: creating the SQLite schemas takes seconds, copying none."""
    folder = tmp_path_factory.mktemp("dagster-template")
    with dg.instance_for_test(temp_dir=str(folder)):
        pass
    return folder


@pytest.fixture
def fresh_instance(pipeline_env, instance_template):
    shutil.copytree(instance_template, pipeline_env["home"], dirs_exist_ok=True)
    with dg.instance_for_test(temp_dir=str(pipeline_env["home"]), overrides=SYNC_RUNS) as inst:
        yield inst


def results() -> ResultsStore:
    store = ResultsStore(os.environ["INVOICE_RESULTS_DB_URL"])
    store.migrate()
    return store


def entry(document_id: str, registered_at: dt.datetime) -> DocumentEntry:
    return DocumentEntry(
        document_id=document_id,
        source_file=f"/nowhere/{document_id}.pdf",
        file_name=f"{document_id}.pdf",
        sha256="0" * 64,
        size_bytes=1,
        origin="sensor",
        registered_at=registered_at,
    )


def evaluation(document_id: str, status: str) -> Evaluation:
    record = InvoiceRecord(document_id=document_id, source_file="x.pdf", status=status)
    return Evaluation(document_id=document_id, status=status, quality_score=0.5, record=record)


# --------------------------------------------------------------------- selection


def test_selection_by_status_since_and_ids(pipeline_env, fresh_instance):
    keys = ["d1", "d2", "d3", "d4", "d5"]
    fresh_instance.add_dynamic_partitions("documents", keys)
    store = DocumentStore(pipeline_env["storage"])
    may, june = dt.datetime(2024, 5, 2, tzinfo=dt.UTC), dt.datetime(2024, 6, 3, tzinfo=dt.UTC)
    for key in keys:
        store.register(entry(key, may if key in ("d1", "d2") else june))
    with results() as db:
        db.upsert_evaluation(evaluation("d1", "failed"))
        db.upsert_evaluation(evaluation("d2", "manual_review"))
        db.upsert_evaluation(evaluation("d3", "approved"))
        db.upsert_evaluation(evaluation("d4", "manual_review"))
        db.upsert_evaluation(evaluation("elsewhere", "failed"))  # not in this instance
        db.set_status("d5", "ocr", "failed", ["the OCR engine crashed"])

    def select(**kwargs) -> list[str]:
        return bf.select_documents(fresh_instance, bf.Selection(**kwargs))

    assert select(all=True) == keys
    assert select(failed=True) == ["d1", "d5"]
    assert select(statuses=("manual_review",)) == ["d2", "d4"]
    assert select(statuses=("approved", "manual_review")) == ["d2", "d3", "d4"]
    since = bf.parse_since("2024-06-01")
    assert select(since=since) == ["d3", "d4", "d5"]
    assert select(failed=True, since=since) == ["d5"]
    assert select(statuses=("manual_review",), since=bf.parse_since("2024-05-02")) == ["d2", "d4"]
    assert select(document_ids=("d4", "d2")) == ["d2", "d4"]  # in partition order
    with pytest.raises(bf.UnknownDocumentsError, match="elsewhere"):
        select(document_ids=("d1", "elsewhere"))
    with pytest.raises(ValueError):
        bf.parse_since("last tuesday")


def test_failed_includes_documents_whose_run_failed_in_dagster(
    pipeline_env, fresh_instance, monkeypatch
):
    """A run that crashed writes no record; Dagster's partition status still says failed."""
    fresh_instance.add_dynamic_partitions("documents", ["ok-doc", "crashed-doc"])
    working_db = os.environ["INVOICE_RESULTS_DB_URL"]
    monkeypatch.setenv("INVOICE_RESULTS_DB_URL", "nosuchdialect://results")  # a broken setting
    job = build_definitions().resolve_job_def(JOB_NAME)
    result = job.execute_in_process(
        instance=fresh_instance,
        partition_key="crashed-doc",
        run_config=QUIET_RUN_CONFIG,
        raise_on_error=False,
    )
    assert not result.success
    monkeypatch.setenv("INVOICE_RESULTS_DB_URL", working_db)
    assert bf.dagster_failed(fresh_instance, ["ok-doc", "crashed-doc"]) == {"crashed-doc"}
    assert bf.select_documents(fresh_instance, bf.Selection(failed=True)) == ["crashed-doc"]
    assert bf.select_documents(fresh_instance, bf.Selection(statuses=("failed",))) == []


# ---------------------------------------------------------------------- backfills


def _workspace(tmp_path: Path):
    """The code location loaded in-process from a file, so it reads this test's environment."""
    location = tmp_path / f"location_{tmp_path.name.replace('-', '_')}.py"
    location.write_text(
        "from invoice_pipeline.definitions import build_definitions\n\ndefs = build_definitions()\n"
    )
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(python_file=str(location), working_directory=str(tmp_path)),
        location_name="invoice_pipeline",
    )
    return InProcessWorkspaceLoadTarget(origin)


def test_cli_backfill_is_a_real_backfill_run_by_the_daemon(pipeline_env, fresh_instance, tmp_path):
    store = DocumentStore(pipeline_env["storage"])
    files = {"ubl.xml": ubl_xml(), "cii.xml": cii_xml()}
    keys = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        keys.append(store.register_file(path, origin="cli").document_id)
    fresh_instance.add_dynamic_partitions("documents", keys)
    cli = CliRunner()

    # choosing nothing, or an unknown id, is an error that launches nothing
    assert cli.invoke(main, ["backfill"]).exit_code == 2
    unknown = cli.invoke(main, ["backfill", keys[0], "no-such-document"])
    assert unknown.exit_code == 2 and "no-such-document" in unknown.output
    dry = cli.invoke(main, ["backfill", "--all", "--dry-run"])
    assert dry.exit_code == 0 and dry.stdout.split() == keys
    assert fresh_instance.get_backfills() == []

    launched = cli.invoke(main, ["backfill", "--all"])
    assert launched.exit_code == 0, launched.output
    backfill_id = launched.stdout.strip()
    backfill = fresh_instance.get_backfill(backfill_id)
    assert backfill.status == BulkActionStatus.REQUESTED
    assert backfill.tags["invoice/origin"] == "backfill"
    assert backfill.title.startswith("invoice-pipeline backfill")
    assert {k.to_user_string() for k in backfill.asset_selection} == set(bf.DOCUMENT_ASSET_NAMES)
    target = backfill.asset_backfill_data.target_subset
    for asset_key in bf.document_asset_keys():
        assert set(target.get_partitions_subset(asset_key).get_partition_keys()) == set(keys)

    # the daemon runs it: one multi-run batch of both documents, every asset materialised
    with create_test_daemon_workspace_context(_workspace(tmp_path), fresh_instance) as context:
        for _ in range(5):
            list(execute_backfill_iteration(context, logging.getLogger("backfill-test")))
            backfill = fresh_instance.get_backfill(backfill_id)
            if backfill.status != BulkActionStatus.REQUESTED:
                break
    assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS
    runs = fresh_instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
    assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS
    assert runs[0].tags["invoice/origin"] == "backfill"
    for asset_key in bf.document_asset_keys():
        assert fresh_instance.get_materialized_partitions(asset_key) == set(keys)
    with results() as db:
        first = {r.document_id: r for r in db.records()}
    assert set(first) == set(keys)
    assert all(r.status in ("approved", "manual_review") for r in first.values())

    # re-materialising in this process (--now) is idempotent: same records, no second row
    again = cli.invoke(main, ["backfill", "--now", keys[0]])
    assert again.exit_code == 0, again.output
    events = fresh_instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("evaluation"), asset_partitions=[keys[0]]),
        limit=10,
    ).records
    assert len(events) == 2
    with results() as db:
        second = {r.document_id: r for r in db.records()}
    assert set(second) == set(keys)
    assert second[keys[0]].invoice_number == first[keys[0]].invoice_number
    assert second[keys[0]].total_amount == first[keys[0]].total_amount
    assert fresh_instance.get_backfills()[0].backfill_id == backfill_id  # --now adds none
