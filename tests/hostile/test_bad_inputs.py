"""Hostile inputs through both entry points: ``runner.process`` (the CLI) and the drop folder.

Every input of issue 9 is generated (see ``inputs.py``) and dropped together,
in one batch, with valid invoices: each must end as a failed record with its
reason (raw metadata in Dagster, the status table, ``reason.json`` next to an
unchanged copy in the quarantine) or in manual_review with its reason, and
the valid invoices next to them must come out as if alone. On the sensor path
the sensor must survive the lot (links, a FIFO, a 500 MB sparse file, names
with newlines and 255 bytes) and every dropped file must be accounted for.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import dagster as dg
import pytest

from invoice_pipeline import runner, settings
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.processing.intake.documents import Limits, ingest_document
from invoice_pipeline.processing.intake.scanner import InboxScanner
from invoice_pipeline.processing.intake.store import DocumentStore, document_id_for, safe_name
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.samples import generate_invoice
from invoice_pipeline.schema import InvoiceRecord
from tests.hostile.conftest import Daemon, materialization_metadata, settle, sha256
from tests.hostile.inputs import BIG, Case, bad_input_cases, invoice_pdf

VALID_SEEDS = {"valid_odd_name": 901, "valid_long_name": 902}


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return bad_input_cases(900)


def truth_number(case: Case) -> str:
    return generate_invoice(VALID_SEEDS[case.name], "en", kind="pdf")[2].invoice_number


def quarantine_reason(store: DocumentStore, document_id: str) -> dict:
    return json.loads((store.quarantine_dir(document_id) / "reason.json").read_text())


def check_record(case: Case, record: InvoiceRecord) -> None:
    codes = {issue.code for issue in record.issues}
    if case.expect == "failed":
        assert record.status == "failed", (case.name, record.status, codes)
        assert case.reason in codes, (case.name, codes)
        assert any(r.startswith(case.reason) for r in record.reasons), record.reasons
    elif case.expect == "review":
        assert record.status == "manual_review", (case.name, record.status, codes)
        assert record.reasons, case.name
        if case.reason:
            assert case.reason in codes, (case.name, codes)
    else:
        assert record.status in ("approved", "manual_review"), (case.name, record.reasons)
        assert record.invoice_number == truth_number(case), case.name


def check_dagster(instance: dg.DagsterInstance, case: Case, record: InvoiceRecord) -> None:
    """The reason is where a person looks: the materialization metadata of the asset."""
    key = record.document_id
    evaluation = materialization_metadata(instance, "evaluation", key)
    assert evaluation["status"] == record.status, case.name
    if case.expect == "failed":
        raw = materialization_metadata(instance, "raw", key)
        assert raw["status"] == "failed"
        assert case.reason in raw["issues"], (case.name, raw["issues"])
        assert case.reason in evaluation["reasons"], case.name
    elif case.reason == "no_text":
        assert "no_text" in materialization_metadata(instance, "ocr_text", key)["issues"]
    elif case.reason:
        assert case.reason in evaluation["reasons"], (case.name, evaluation["reasons"])


def check_quarantine(store: DocumentStore, case: Case, document_id: str, original: Path) -> None:
    reason = quarantine_reason(store, document_id)
    assert reason["reason"] == case.reason, (case.name, reason)
    assert reason["file_name"] == case.file_name
    if case.sparse_size is not None:  # too large to copy: the reason only, the file in place
        assert reason.get("kept_in_place") or reason.get("kept_in_inbox")
        return
    copy = store.quarantine_dir(document_id) / safe_name(case.file_name)
    assert copy.read_bytes() == (case.data or b""), case.name  # the original bytes, unchanged
    assert reason["sha256"] == sha256(copy)
    assert original.exists() is False or sha256(original) == sha256(copy)


def test_cli_path(env, memory_instance, cases, tmp_path):
    inbox = env["inbox"]
    (inbox / "sub").mkdir()
    paths = {case.name: case.write(inbox) for case in cases}
    given = {name: str(path) for name, path in paths.items()}
    given["truncated_pdf"] = str(inbox / "sub" / ".." / paths["truncated_pdf"].name)  # "../"
    hashes = {n: sha256(p) for n, p in paths.items() if p.stat().st_size < BIG}

    records = runner.process(
        list(given.values()), defs=build_definitions(), instance=memory_instance, batch_size=50
    )

    assert [r.source_file for r in records] == list(given.values())
    store = DocumentStore(env["storage"])
    for case, record in zip(cases, records, strict=True):
        check_record(case, record)
        check_dagster(memory_instance, case, record)
        if case.expect == "failed":
            check_quarantine(store, case, record.document_id, paths[case.name])
    # the CLI never moves or changes the files it was given
    for name, path in paths.items():
        assert path.exists()
        if name in hashes:
            assert sha256(path) == hashes[name]
    assert paths["huge_file"].stat().st_size == BIG
    # nothing was written outside the storage root, the instance and the results database
    assert {p.name for p in tmp_path.iterdir()} <= {
        "storage",
        "inbox",
        "dagster_home",
        "results.sqlite",
        "results.sqlite-wal",
        "results.sqlite-shm",
    }
    assert {p.name for p in inbox.iterdir()} == {*(p.name for p in paths.values()), "sub"}
    for found in tmp_path.rglob("*evil*"):
        assert found.parent == inbox or env["storage"] in found.parents, found
    # every record is in the status table with its decision
    with ResultsStore(os.environ["INVOICE_RESULTS_DB_URL"]) as db:
        statuses = {row["document_id"]: row["status"] for row in db.status()}
    assert {r.document_id: r.status for r in records} == statuses


SENSOR_CASES = {
    # decided by the sensor itself, without a run
    "empty",
    "html_as_pdf",
    "zip_as_pdf",
    "xml_bomb",
    "huge_file",
    # a run each: the hostile names meet processed/ and the quarantine
    "truncated_pdf",
    "corrupt_jpeg",
    "encrypted_pdf",
    "many_pages",
    "bomb_png",
    "javascript_pdf",
    "valid_odd_name",
}
"""The inputs dropped into the inbox. The others (a corrupt PNG, an attachment, the images
that need OCR, the Finnish invoice) are decided inside the assets exactly as on the CLI
path, which ``test_cli_path`` covers; one run per document costs seconds."""


def test_sensor_path(env, daemon: Daemon, cases, tmp_path, capfd):
    inbox, storage = env["inbox"], env["storage"]
    cases = [c for c in cases if c.name in SENSOR_CASES]
    paths = {case.name: case.write(inbox) for case in cases}
    # the drop folder also gets: a copy, files to ignore, a link out of it, a FIFO
    duplicate = inbox / "zz-copy of scripted.pdf"
    duplicate.write_bytes(paths["javascript_pdf"].read_bytes())
    (inbox / ".DS_Store").write_bytes(b"\x00\x01")
    (inbox / "~$draft.pdf").write_bytes(b"lock")
    (inbox / "..\\..\\hidden.pdf").write_bytes(invoice_pdf(951))  # a dot file: hidden
    secret = tmp_path / "outside" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(invoice_pdf(950))
    (inbox / "link.pdf").symlink_to(secret)
    os.mkfifo(inbox / "pipe.pdf")
    dropped = len(list(inbox.iterdir()))

    capfd.readouterr()
    assert daemon.tick() == []  # first sight: nothing is stable yet
    settle()
    requests = daemon.tick()
    tick_log = capfd.readouterr().err  # the sensor's context.log, as the console shows it
    results = daemon.execute(requests)
    settle()
    assert daemon.tick() == []  # nothing is asked for twice
    assert all(r.success for r in results), [r.dagster_run.run_id for r in results if not r.success]

    store = DocumentStore(storage)
    ids = {c.name: document_id_for(c.file_name, sha256_bytes(c)) for c in cases}
    at_inbox = {"empty", "html_as_pdf", "zip_as_pdf", "xml_bomb"}  # the sensor itself decides
    run_cases = [c for c in cases if c.name not in at_inbox and c.name != "huge_file"]
    assert sorted(r.partition_key for r in requests) == sorted(ids[c.name] for c in run_cases)

    with ResultsStore(os.environ["INVOICE_RESULTS_DB_URL"]) as db:
        records = {c.name: db.get_record(ids[c.name]) for c in run_cases}
        [dup_row] = db.duplicates()
    for case in run_cases:
        record = records[case.name]
        check_record(case, record)
        check_dagster(daemon.instance, case, record)
        # the original left the inbox only after it was safely stored: processed/, and the
        # quarantine too when it failed
        moved = store.processed_path(case.file_name)
        assert moved.read_bytes() == case.data, case.name
        assert not paths[case.name].exists()
        if case.expect == "failed":
            check_quarantine(store, case, ids[case.name], moved)
    for name in at_inbox:
        case = next(c for c in cases if c.name == name)
        reason = quarantine_reason(store, ids[name])
        assert reason["stage"] == "inbox" and reason["reason"] == case.reason
        check_quarantine(store, case, ids[name], paths[name])
        assert not paths[name].exists()
    # held where they are, with a reason: too large to copy, not a regular file
    held = {r["relative_path"]: r for r in store.quarantined() if r.get("kept_in_inbox")}
    assert held["huge.pdf"]["reason"] == "file_too_large"
    assert held["link.pdf"]["reason"] == held["pipe.pdf"]["reason"] == "not_a_regular_file"
    assert secret.read_bytes() == invoice_pdf(950)  # never read through the link, never moved
    assert dup_row["document_id"] == ids["javascript_pdf"]
    assert store.processed_path(duplicate.name, "duplicates").read_bytes() == duplicate_bytes(cases)

    # the tick log names every quarantined or held file and why
    warnings = [line for line in tick_log.splitlines() if " - WARNING - " in line]
    for reason in ("empty_file", "unsupported_type", "file_too_large", "not_a_regular_file"):
        assert any(f": {reason}: " in line for line in warnings), (reason, tick_log[-2000:])

    # the ledger balances: every dropped file is decided, a duplicate, ignored or held;
    # each term read back from the results database, the quarantine and the inbox
    with ResultsStore(os.environ["INVOICE_RESULTS_DB_URL"]) as db:
        decided = db.records()
        duplicate_rows = db.duplicates()
    quarantined = list(store.quarantined())
    held_paths = {r["relative_path"] for r in quarantined if r.get("kept_in_inbox")}
    at_inbox_ids = {
        r["document_id"]
        for r in quarantined
        if r.get("stage") == "inbox" and not r.get("kept_in_inbox")
    }
    recorded = {r.document_id for r in decided}
    quarantined_at_inbox = at_inbox_ids - recorded  # decided by the sensor, no run
    left = {p.name for p in inbox.iterdir()}
    ignored = left - held_paths
    by_status = {
        s: sum(r.status == s for r in decided) for s in ("approved", "manual_review", "failed")
    }
    failed_with_reason = [r for r in decided if r.status == "failed" and r.reasons and r.issues]
    assert len(failed_with_reason) == by_status["failed"]
    ledger = {
        "approved": by_status["approved"],
        "manual_review": by_status["manual_review"],
        "failed": by_status["failed"],
        "quarantined_at_inbox": len(quarantined_at_inbox),
        "held": len(held_paths),
        "duplicates": len(duplicate_rows),
        "ignored": len(ignored),
    }
    assert sum(ledger.values()) == dropped, (ledger, dropped)
    # and each term is what was dropped: the runs' documents, the sensor's decisions, the copy
    assert recorded == {ids[c.name] for c in run_cases}
    assert quarantined_at_inbox == {ids[name] for name in at_inbox}
    assert by_status["failed"] == sum(c.expect == "failed" for c in run_cases)
    assert held_paths == {"huge.pdf", "link.pdf", "pipe.pdf"}
    assert ignored == {".DS_Store", "~$draft.pdf", "..\\..\\hidden.pdf"}


def sha256_bytes(case: Case) -> str:
    import hashlib

    if case.sparse_size is None:
        return hashlib.sha256(case.data or b"").hexdigest()
    digest = hashlib.sha256(case.data or b"")
    remaining = case.sparse_size - len(case.data or b"")
    zeros = bytes(1024 * 1024)
    while remaining > 0:
        digest.update(zeros[: min(remaining, len(zeros))])
        remaining -= len(zeros)
    return digest.hexdigest()


def duplicate_bytes(cases: list[Case]) -> bytes:
    return next(c for c in cases if c.name == "javascript_pdf").data or b""


def test_a_500_mb_file_is_judged_by_its_size_not_read(env, tmp_path):
    """The limit comes from stat: neither the CLI's raw stage nor the sensor loads the file."""
    big = tmp_path / "huge.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(BIG)
    store = DocumentStore(env["storage"])
    tracemalloc.start()
    try:
        entry = store.register_file(big)  # hashes in 1 MiB chunks
        raw = ingest_document(entry, store, Limits())
        report = InboxScanner(settings.get().inbox_settings, store).tick(None, now=0.0)
        (env["inbox"] / "huge.pdf").symlink_to(big)  # the sensor sees a link: held, not read
        big_in_inbox = env["inbox"] / "big.pdf"
        os.link(big, big_in_inbox)  # a hard link is a regular file of 500 MB
        scanner = InboxScanner(settings.get().inbox_settings, store)
        first = scanner.tick(None, now=100.0)
        second = scanner.tick(first.cursor, now=200.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert [i.code for i in raw.issues] == ["file_too_large"]
    assert raw.archive_path is None and not store.has_archive(entry.sha256)
    reason = quarantine_reason(store, entry.document_id)
    assert reason["kept_in_place"] is True and reason["reason"] == "file_too_large"
    assert report.listed == 0
    held = {q.relative_path: q.reason for q in second.quarantined}
    assert held == {"big.pdf": "file_too_large", "huge.pdf": "not_a_regular_file"}
    assert big_in_inbox.stat().st_size == BIG
