"""Failing dependencies: the LLM API, the OCR engine, PostgreSQL, and the process itself.

- LLM: storms of 429, 500, timeouts and malformed answers (the shared
  :func:`~tests.hostile.conftest.llm_outage` scenario). With a fallback chain the
  SDK's bounded retries end in the next provider; without one, Dagster's
  RetryPolicy runs ``llm_fields`` again and after the last retry the documents
  go to manual_review. Never a lost document, never an unbounded number of calls.
- OCR: an engine that runs out of memory (the step is retried, then that document
  fails visibly), one that crashes (that page fails at once) and one that hangs
  (the page time limit abandons it); the other documents of the batch are fine.
- PostgreSQL: every connection of the test's own results database is terminated
  in the middle of a run, three times; each record is written exactly once.
- SIGKILL: ``invoice-pipeline process`` killed after its first batch, then run
  again: one record per file, no duplicate rows, nothing lost.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from invoice_pipeline import runner
from invoice_pipeline.assets.llm_fields import LLM_RETRIES
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.samples import generate_invoice
from tests.hostile.conftest import REPO, Outage, child_env, instance_yaml
from tests.hostile.inputs import blank_png, invoice_pdf
from tests.pg_server import server_url

PG_SERVER = server_url()  # the running server, or a throwaway one (tests/pg_server.py)


def step_events(home: Path, step: str, kind: dg.DagsterEventType) -> list[dg.EventLogEntry]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [
            entry
            for run in instance.get_runs()
            for entry in instance.all_logs(run.run_id, of_type=kind)
            if entry.step_key == step
        ]


# ------------------------------------------------------------------------------- LLM


def test_llm_outage_without_fallback_is_retried_by_dagster_then_manual_review(
    llm_outage: Outage,
) -> None:
    assert llm_outage.cli.returncode == 0, llm_outage.cli.stderr[-3000:]
    records = llm_outage.cli_records
    assert [r["source_file"] for r in records] == [str(p) for p in llm_outage.cli_files]
    for record in records:
        assert record["status"] == "manual_review"
        codes = {i["code"] for i in record["issues"]}
        assert "provider_unavailable" in codes
        assert any("provider_unavailable" in r for r in record["reasons"])
    # the step was retried by its RetryPolicy, LLM_RETRIES times, then gave up per document
    retries = step_events(llm_outage.home, "llm_fields", dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert len(retries) == LLM_RETRIES
    # bounded calls: (LLM_MAX_RETRIES + 1) requests for the first document on each of the
    # failing attempts, then for both on the last one
    per_call = 2
    assert len(llm_outage.cli_requests) == per_call * (LLM_RETRIES + len(records))
    with ResultsStore(llm_outage.results_url) as db:
        for record in records:
            assert db.get_record(record["document_id"]).status == "manual_review"


def test_llm_storms_fall_back_to_the_next_provider(llm_outage: Outage) -> None:
    records = llm_outage.fallback_records
    expected = {
        "malformed": ("provider_failed", "malformed output after one repair attempt"),
        "rate_limited": ("provider_unavailable", "HTTP 429"),
        "server_error": ("provider_unavailable", "HTTP 500"),
        "timeout": ("provider_unavailable", "no answer within 1s"),
    }
    for name, (code, text) in expected.items():
        record = records[name]
        assert record.extractor == "rules", name
        assert record.status in ("approved", "manual_review"), (name, record.reasons)
        assert record.invoice_number == f"INV-2024-{100 + list(records).index(name):04d}"
        [issue] = [i for i in record.issues if i.code == code]
        assert text in issue.message and issue.severity == "warning", (name, issue)
    assert records["answered"].extractor == "openai"
    assert records["answered"].invoice_number == "INV-2024-0104"
    # each document cost at most LLM_MAX_RETRIES + 1 requests (+1 repair turn), then moved on
    assert len(llm_outage.requests) == 2 + 2 + 2 + 2 + 1


# ------------------------------------------------------------------------------- OCR


def test_ocr_out_of_memory_crash_and_hang(env, tmp_path: Path) -> None:
    (env["home"] / "dagster.yaml").write_text(instance_yaml(env["home"]))
    files = []
    for name, data in (
        ("oom.png", blank_png(600, 800, seed=1)),
        ("crash.png", blank_png(600, 800, seed=2)),
        ("hang.png", blank_png(600, 800, seed=4)),
        ("fine.pdf", invoice_pdf(940)),
    ):
        path = env["inbox"] / name
        path.write_bytes(data)
        files.append(path)
    out, calls = tmp_path / "records.jsonl", tmp_path / "ocr-calls.txt"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile.fault_child", str(out), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=child_env(
            INVOICE_RETRY_DELAY_SECONDS="0.05",
            OCR_PAGE_TIMEOUT_SECONDS="1",
            HOSTILE_OCR_CALLS=str(calls),
        ),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert time.monotonic() - started < 120  # the 30 s hang was cut short
    oom, crash, hang, fine = (json.loads(line) for line in out.read_text().splitlines())

    # out of memory: retried by the step's policy, then this document failed with the reason
    retries = step_events(env["home"], "ocr_text", dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert len(retries) == 3
    assert oom["status"] == "failed"
    [issue] = [i for i in oom["issues"] if i["code"] == "retries_exhausted"]
    assert "MemoryError" in issue["message"] and "3 retries" in issue["message"]
    # a crash fails that page (and so that one-page document) at once
    assert crash["status"] == "failed"
    assert any(
        i["code"] == "ocr_failed" and "RuntimeError" in i["message"] for i in crash["issues"]
    )
    assert any(i["code"] == "ocr_no_page_read" for i in crash["issues"])
    # a hang is abandoned after OCR_PAGE_TIMEOUT_SECONDS: an empty page with the reason
    assert hang["status"] == "failed"
    assert any(i["code"] == "ocr_timeout" for i in hang["issues"])
    # the born-digital invoice of the same batch never noticed
    truth = generate_invoice(940, "en", kind="pdf")[2]
    assert fine["status"] in ("approved", "manual_review")
    assert fine["invoice_number"] == truth.invoice_number
    assert fine["total_amount"] == truth.total_amount
    assert len(calls.read_text().splitlines()) == 4 + 1 + 1
    # the reasons are where a person looks: the ocr_text materialization of each document
    with dg.DagsterInstance.from_config(str(env["home"])) as instance:
        for record, code in ((oom, "retries_exhausted"), (hang, "ocr_timeout")):
            result = instance.fetch_materializations(
                dg.AssetRecordsFilter(
                    asset_key=dg.AssetKey("ocr_text"), asset_partitions=[record["document_id"]]
                ),
                limit=1,
            )
            metadata = result.records[0].asset_materialization.metadata
            assert metadata["status"].value == "failed"
            assert code in metadata["issues"].value


# ------------------------------------------------------------------------ PostgreSQL


@pytest.fixture
def pg_results(monkeypatch: pytest.MonkeyPatch):
    """A PostgreSQL database of this test's own, as the results database."""
    name = f"invoice_hostile_{secrets.token_hex(6)}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    monkeypatch.setenv("INVOICE_RESULTS_DB_URL", f"{PG_SERVER}/{name}")
    try:
        yield name, admin
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_connections_killed_mid_run(env, memory_instance, pg_results) -> None:
    """Like a server restart for this database only: every backend of it is terminated (the
    shared server itself is never touched), at three moments of the run."""
    name, admin = pg_results
    triggers = ["INSERT INTO DOCUMENT_STATUS", "INSERT INTO INVOICES", "DELETE FROM LINE_ITEMS"]
    seen: dict[str, int] = {}
    kills: list[str] = []

    def terminate(conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.engine.url.database != name:
            return
        head = " ".join(statement.split()[:3]).upper()
        if head not in triggers:
            return
        seen[head] = seen.get(head, 0) + 1
        # the first status write, the first invoice row, the second document's line items
        wanted = {"INSERT INTO DOCUMENT_STATUS": 1, "INSERT INTO INVOICES": 1}
        if seen[head] == wanted.get(head, 2) and head not in kills:
            with admin.connect() as other:
                other.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": name},
                )
            kills.append(head)

    files = []
    for i in range(3):
        path = env["inbox"] / f"pg-{i}.pdf"
        path.write_bytes(invoice_pdf(920 + i))
        files.append(path)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", terminate)
    try:
        records = runner.process(
            [str(p) for p in files], defs=build_definitions(), instance=memory_instance
        )
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", terminate)

    assert sorted(kills) == sorted(triggers)
    for i, record in enumerate(records):
        truth = generate_invoice(920 + i, "en", kind="pdf")[2]
        assert record.status in ("approved", "manual_review"), record.issues
        assert record.invoice_number == truth.invoice_number
    engine = sa.create_engine(os.environ["INVOICE_RESULTS_DB_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT document_id FROM invoices")).scalars().all()
            assert sorted(rows) == sorted(r.document_id for r in records)  # exactly once
            for record in records:
                items = conn.execute(
                    sa.text("SELECT count(*) FROM line_items WHERE document_id = :d"),
                    {"d": record.document_id},
                ).scalar()
                assert items == len(record.line_items) > 0
            statuses = conn.execute(sa.text("SELECT count(*) FROM document_status")).scalar()
            assert statuses == len(records)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- SIGKILL


def test_sigkill_half_way_then_rerun(env, tmp_path: Path) -> None:
    (env["home"] / "dagster.yaml").write_text(instance_yaml(env["home"]))
    folder = env["inbox"] / "batch"
    folder.mkdir()
    truths = {}
    for i in range(4):
        data, _, truth = generate_invoice(930 + i, "en", kind="pdf")
        (folder / f"invoice-{i}.pdf").write_bytes(data)
        truths[str(folder / f"invoice-{i}.pdf")] = truth
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "invoice_pipeline.cli", "process", str(folder)]
    command += ["--batch-size", "2", "--output", str(out)]
    database = os.environ["INVOICE_RESULTS_DB_URL"].removeprefix("sqlite:///")

    def written() -> int:
        if not Path(database).exists():
            return 0
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            try:
                return conn.execute("SELECT count(*) FROM invoices").fetchone()[0]
            except sqlite3.OperationalError:  # not migrated yet
                return 0

    log = (tmp_path / "first.log").open("w")
    proc = subprocess.Popen(
        command, stdout=log, stderr=log, env=child_env(), cwd=tmp_path, start_new_session=True
    )
    deadline = time.monotonic() + 180
    while written() < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # after the first batch of two, in the middle of the run
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "first.log").read_text()[-2000:]
    assert 2 <= written() < 4 and not out.exists()

    again = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=child_env(), cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr[-3000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["source_file"] for r in records) == sorted(truths)  # one record per file
    for record in records:
        truth = truths[record["source_file"]]
        assert record["status"] in ("approved", "manual_review")
        assert record["invoice_number"] == truth.invoice_number
    with sqlite3.connect(database) as conn:
        ids = [row[0] for row in conn.execute("SELECT document_id FROM invoices")]
        assert sorted(ids) == sorted(r["document_id"] for r in records)  # no duplicate rows
        for record in records:
            (items,) = conn.execute(
                "SELECT count(*) FROM line_items WHERE document_id = ?", (record["document_id"],)
            ).fetchone()
            assert items == len(record["line_items"])
        (statuses,) = conn.execute("SELECT count(*) FROM document_status").fetchone()
        assert statuses == 4
