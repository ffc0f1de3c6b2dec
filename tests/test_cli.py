"""The command line in-process (click's runner): process, status, review, export."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pyarrow.parquet as pq
from click.testing import CliRunner

from invoice_pipeline.cli import main
from invoice_pipeline.samples import generate_invoice


def test_process_then_status_review_and_export(pipeline_env, tmp_path):
    inbox = pipeline_env["inbox"]
    paths = []
    for i, locale in enumerate(["fr", "sv"]):
        data, suffix, _ = generate_invoice(40 + i, locale, kind="pdf")
        path = inbox / f"{locale}{suffix}"
        path.write_bytes(data)
        paths.append(str(path))
    (inbox / "notes.txt").write_text("not an invoice")
    paths.append(str(inbox / "notes.txt"))

    runner = CliRunner()
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["process", *paths, "--output", str(out), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["source_file"] for r in records] == paths
    assert records[-1]["status"] == "failed"
    assert records[-1]["issues"][0]["code"] == "unsupported_type"

    status = runner.invoke(main, ["status"])
    assert status.exit_code == 0
    rows = [json.loads(line) for line in status.output.splitlines()]
    assert {row["document_id"] for row in rows} == {r["document_id"] for r in records}
    one = runner.invoke(main, ["status", records[0]["document_id"]])
    assert json.loads(one.output)["status"] == records[0]["status"]
    assert runner.invoke(main, ["status", "no-such-document"]).exit_code != 0

    review = runner.invoke(main, ["review"])
    assert review.exit_code == 0 and "review queue" in review.output

    for fmt in ("parquet", "csv", "xlsx", "json"):
        target = tmp_path / f"export.{fmt}"
        exported = runner.invoke(main, ["export", "--format", fmt, "--output", str(target)])
        assert exported.exit_code == 0, exported.output
    assert pq.read_table(tmp_path / "export.parquet").num_rows == 3
    with open(tmp_path / "export.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # the export lists records in the order they were written; with two batches running at
    # once (INVOICE_PROCESS_WORKERS) that need not be the order of the files given
    assert sorted(r["document_id"] for r in rows) == sorted(r["document_id"] for r in records)
    first = records[0]
    [row] = [r for r in rows if r["document_id"] == first["document_id"]]
    assert row["total_amount"] == first["total_amount"]
    assert row["invoice_number"] == first["invoice_number"]
    assert len(json.loads(row["line_items"])) == len(first["line_items"])
    [notes] = [r for r in rows if r["document_id"] == records[-1]["document_id"]]
    assert json.loads(notes["issues"])[0]["code"] == "unsupported_type"
    sheet = pd.read_excel(tmp_path / "export.xlsx", sheet_name="invoices", dtype=str)
    assert list(sheet.columns) == list(rows[0])
    assert sheet["document_id"].tolist() == [r["document_id"] for r in rows]
    assert sheet["total_amount"].tolist()[rows.index(row)] == first["total_amount"]
    assert sheet["status"].tolist() == [r["status"] for r in rows]
    status_of = {r["document_id"]: r["status"] for r in records}
    assert [status_of[r["document_id"]] for r in rows] == [r["status"] for r in rows]

    history = runner.invoke(main, ["status", first["document_id"], "--history"])
    assert history.exit_code == 0, history.output
    stages = [json.loads(line) for line in history.output.splitlines()]
    assert [s["stage"] for s in stages] == [
        "raw",
        "preprocessed",
        "ocr_text",
        "llm_fields",
        "validated",
        "evaluation",
        "evaluation",
    ]
    assert stages[-1]["status"] == first["status"] and all(s["at"] for s in stages)
    assert len((tmp_path / "export.json").read_text().splitlines()) == 3
    failed_only = tmp_path / "failed.json"
    runner.invoke(
        main, ["export", "--format", "json", "--status", "failed", "-o", str(failed_only)]
    )
    assert len(failed_only.read_text().splitlines()) == 1


def test_review_lists_the_queue_oldest_first_with_every_reason(pipeline_env, monkeypatch):
    from invoice_pipeline import settings
    from invoice_pipeline.processing.results.store import ResultsStore
    from invoice_pipeline.schema import Evaluation, InvoiceRecord

    def evaluation(doc: str, status: str, reasons: list[str], number: str) -> Evaluation:
        record = InvoiceRecord(
            document_id=doc,
            source_file=f"{doc}.pdf",
            status=status,
            invoice_number=number,
            seller_name=f"Seller of {doc}",
            total_amount="100.00",
            currency="EUR",
        )
        return Evaluation(
            document_id=doc, status=status, quality_score=0.5, reasons=reasons, record=record
        )

    written = [
        ("doc-b", "manual_review", ["totals_consistent: 90.00 + 19.00 != 100.00"], "B-1"),
        ("doc-ok", "approved", [], "OK-1"),
        (
            "doc-a",
            "manual_review",
            ["key_fields_present: missing due_date", "low_ocr: 0.41"],
            "A-1",
        ),
        ("doc-f", "failed", ["pdf_corrupt: no xref"], "F-1"),
    ]
    with ResultsStore(settings.get().results_db_url) as store:
        store.migrate()
        for doc, status, reasons, number in written:  # oldest first: doc-b, then doc-a
            store.upsert_evaluation(evaluation(doc, status, reasons, number))

    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(main, ["review"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "review queue: 2 document(s)" in out
    # only the manual_review documents, oldest first, each with every reason
    assert "doc-ok" not in out and "doc-f" not in out
    assert out.index("doc-b") < out.index("doc-a")
    for reason in (*written[0][2], *written[2][2]):
        assert reason in out, reason
    assert out.index("totals_consistent") < out.index("doc-a") < out.index("key_fields_present")
    assert "B-1" in out and "A-1" in out

    limited = CliRunner().invoke(main, ["review", "--limit", "1"])
    assert "doc-b" in limited.output and "doc-a" not in limited.output
