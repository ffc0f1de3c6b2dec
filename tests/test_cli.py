"""The command line in-process (click's runner): process, status, review, export."""

from __future__ import annotations

import csv
import json

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

    for fmt in ("parquet", "csv", "json"):
        target = tmp_path / f"export.{fmt}"
        exported = runner.invoke(main, ["export", "--format", fmt, "--output", str(target)])
        assert exported.exit_code == 0, exported.output
    assert pq.read_table(tmp_path / "export.parquet").num_rows == 3
    with open(tmp_path / "export.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and json.loads(rows[0]["line_items"]) is not None
    assert len((tmp_path / "export.json").read_text().splitlines()) == 3
    failed_only = tmp_path / "failed.json"
    runner.invoke(
        main, ["export", "--format", "json", "--status", "failed", "-o", str(failed_only)]
    )
    assert len(failed_only.read_text().splitlines()) == 1
