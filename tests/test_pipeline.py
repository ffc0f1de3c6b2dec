"""The six assets materialised for real, on a temporary Dagster instance, over generated invoices."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from invoice_pipeline import runner
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.processing.intake.store import DocumentStore
from invoice_pipeline.samples import generate_invoice

LOCALES = ["en", "de", "fr", "sv"]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def corpus(pipeline_env):
    inbox = pipeline_env["inbox"]
    files, truths = [], {}
    for i, locale in enumerate(LOCALES):
        data, suffix, truth = generate_invoice(100 + i, locale, kind="pdf")
        path = _write(inbox, f"{locale}-invoice{suffix}", data)
        files.append(path)
        truths[str(path)] = truth
    data, suffix, truth = generate_invoice(200, "de", kind="scan")
    path = _write(inbox, f"de-scan{suffix}", data)
    files.append(path)
    truths[str(path)] = truth
    broken = _write(inbox, "broken.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n% truncated")
    files.append(broken)
    return files, truths, broken


def test_process_runs_all_six_assets_and_reads_ground_truth(pipeline_env, instance, corpus):
    files, truths, broken = corpus
    defs = build_definitions()
    records = runner.process([str(f) for f in files], defs=defs, instance=instance, batch_size=3)
    assert len(records) == len(files)
    by_file = {r.source_file: r for r in records}

    for path, truth in truths.items():
        record = by_file[path]
        assert record.status in ("approved", "manual_review"), (path, record.issues)
        assert record.invoice_number == truth.invoice_number, path
        assert record.total_amount == truth.total_amount, path
        if "scan" not in path:
            assert record.invoice_date == truth.invoice_date, path
            assert record.currency == truth.currency, path

    bad = by_file[str(broken)]
    assert bad.status == "failed"
    assert bad.issues and bad.issues[0].code.startswith("pdf")
    # the original is kept, and a copy with its reason sits in quarantine
    assert broken.exists()
    reasons = list(DocumentStore(pipeline_env["storage"]).quarantined())
    assert [r["file_name"] for r in reasons] == ["broken.pdf"]

    # every partition of every asset was materialised, with metadata for the UI
    for name in ("raw", "preprocessed", "ocr_text", "llm_fields", "validated", "evaluation"):
        materialized = instance.get_materialized_partitions(dg.AssetKey(name))
        assert materialized == {r.document_id for r in records}, name

    def metadata(asset: str, key: str) -> dict:
        result = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[key]), limit=1
        )
        return result.records[0].asset_materialization.metadata

    key = by_file[str(files[1])].document_id
    assert metadata("evaluation", key)["status"].value in ("approved", "manual_review")
    assert metadata("ocr_text", key)["engine"].value == "text_layer"
    assert metadata("raw", key)["kind"].value == "pdf"
    assert metadata("llm_fields", key)["provider"].value == "rules"
    scan_key = by_file[next(p for p in truths if "scan" in p)].document_id
    assert "rapidocr" in metadata("ocr_text", scan_key)["engine"].value
    assert metadata("preprocessed", scan_key)["page_1"].value.startswith("![page 1](data:image/png")
    assert metadata("raw", bad.document_id)["status"].value == "failed"

    # per-document asset checks, on each document's own partition
    def check(asset: str, name: str, partition: str):
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(asset), name), limit=20
        )
        found = [
            r.event.dagster_event.event_specific_data
            for r in history
            if r.event and r.event.dagster_event.event_specific_data.partition == partition
        ]
        assert found, (asset, name, partition)
        return found[0]

    assert check("validated", "contract_valid", key).passed
    assert check("validated", "key_fields_present", key).passed
    assert not check("validated", "key_fields_present", bad.document_id).passed
    assert check("evaluation", "not_duplicate", key).passed
    assert not check("evaluation", "approved", bad.document_id).passed

    # the status table follows each document to its decision
    from invoice_pipeline import settings
    from invoice_pipeline.processing.results.store import ResultsStore

    statuses = {
        row["document_id"]: row for row in ResultsStore(settings.get().results_db_url).status()
    }
    assert statuses[bad.document_id]["status"] == "failed"
    assert statuses[key]["status"] in ("approved", "manual_review")

    # the Parquet table holds every record
    import pyarrow.parquet as pq

    table = pq.read_table(pipeline_env["storage"] / "tables" / "invoices.parquet")
    assert table.num_rows == len(files)


def test_rematerialising_is_idempotent(pipeline_env, instance, corpus):
    files, _, _ = corpus
    defs = build_definitions()
    first = runner.process([str(files[0])], defs=defs, instance=instance)
    second = runner.process([str(files[0])], defs=defs, instance=instance)
    assert first[0].model_dump(exclude={"issues"}) == second[0].model_dump(exclude={"issues"})
    from invoice_pipeline import settings
    from invoice_pipeline.processing.results.store import ResultsStore

    assert len(ResultsStore(settings.get().results_db_url).records()) == 1


def test_cli_process_writes_json_lines(pipeline_env, corpus, tmp_path):
    import subprocess
    import sys

    files, truths, _ = corpus
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoice_pipeline.cli",
            "process",
            *map(str, files[:2]),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["source_file"] for line in lines] == [str(f) for f in files[:2]]
    for line in lines:
        truth = truths[line["source_file"]]
        assert line["invoice_number"] == truth.invoice_number
        assert line["invoice_date"] == truth.invoice_date
        assert line["total_amount"] == truth.total_amount
    assert "documents" in proc.stderr and "approved" in proc.stderr
