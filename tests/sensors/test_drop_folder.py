"""drop_folder_sensor on a real Dagster instance and real folders, tick by tick.

Each tick evaluates the sensor as the daemon does (``evaluate_tick`` with a
context built from the definitions and the instance), then applies the
result as the daemon would: the dynamic partitions are added, run requests
whose run_key was already launched are skipped, and the cursor is stored for
the next tick. INVOICE_STABLE_SECONDS is 0.2 s and the tests wait 0.25 s
between ticks where a file must become stable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.tags import RUN_KEY_TAG
from upath import UPath

from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.jobs import JOB_NAME
from invoice_pipeline.processing.intake.duplicates import duplicates
from invoice_pipeline.processing.intake.inbox_settings import InboxSettings
from invoice_pipeline.processing.intake.scanner import InboxScanner
from invoice_pipeline.processing.intake.store import DocumentStore, document_id_for
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.runner import QUIET_RUN_CONFIG
from invoice_pipeline.sensors import drop_folder_sensor
from invoice_pipeline.sensors.drop_folder import tick_in_process

STABLE = 0.2


def settle() -> None:
    time.sleep(STABLE + 0.05)


def pdf(n: int | str) -> bytes:
    """A tiny distinct file with PDF magic (enough for the sensor, which reads the head)."""
    return f"%PDF-1.4\n% document {n}\n".encode()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


class Daemon:
    """Applies each tick's SensorResult to the instance the way the sensor daemon does."""

    def __init__(self, instance: dg.DagsterInstance, defs: dg.Definitions):
        self.instance = instance
        self.defs = defs
        self.cursor: str | None = None
        self.launched: list[dg.RunRequest] = []
        self.run_keys: set[str] = set()
        self.added: list[str] = []

    def tick(self, cursor: str | None = None) -> list[dg.RunRequest]:
        """One tick from the stored cursor (a fresh context each time, as after a restart)."""
        data, added = tick_in_process(
            self.instance, self.defs, self.cursor if cursor is None else cursor
        )
        self.added += added
        fresh = [r for r in data.run_requests if r.run_key not in self.run_keys]
        self.run_keys |= {r.run_key for r in fresh}
        self.launched += fresh
        self.cursor = data.cursor
        return fresh

    def execute(self, requests: list[dg.RunRequest]) -> list[dg.ExecuteInProcessResult]:
        job = self.defs.resolve_job_def(JOB_NAME)
        results = []
        for request in requests:
            tags = {k: v for k, v in request.tags.items() if k.startswith("invoice/")}
            results.append(
                job.execute_in_process(
                    instance=self.instance,
                    partition_key=request.partition_key,
                    run_config=QUIET_RUN_CONFIG,
                    tags={**tags, RUN_KEY_TAG: request.run_key},
                    raise_on_error=False,
                )
            )
        return results


@pytest.fixture
def env(pipeline_env, monkeypatch):
    monkeypatch.setenv("INVOICE_STABLE_SECONDS", str(STABLE))
    monkeypatch.delenv("INVOICE_SENSOR_MAX_PER_TICK", raising=False)
    monkeypatch.delenv("INVOICE_IGNORE_PATTERNS", raising=False)
    monkeypatch.delenv("INVOICE_KEEP_ORIGINALS", raising=False)
    return pipeline_env


@pytest.fixture(scope="module")
def instance_template(tmp_path_factory) -> Path:
    """An empty instance made once: creating the SQLite schemas takes seconds, copying none."""
    folder = tmp_path_factory.mktemp("dagster-template")
    with dg.instance_for_test(temp_dir=str(folder)):
        pass
    return folder


@pytest.fixture
def daemon(env, instance_template):
    shutil.copytree(instance_template, env["home"], dirs_exist_ok=True)
    with dg.instance_for_test(temp_dir=str(env["home"])) as instance:
        yield Daemon(instance, build_definitions())


def store(env) -> DocumentStore:
    return DocumentStore(env["storage"])


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# ----------------------------------------------------------------- stability


def test_file_written_in_chunks_is_taken_only_once_stable(env, daemon):
    inbox = env["inbox"]
    part = inbox / "big-invoice.pdf"
    content = pdf("big") + b"x" * 50_000
    bounds = [0, 10_000, 20_000, 35_000, len(content)]
    with part.open("wb") as fh:
        fh.write(content[: bounds[1]])
    assert daemon.tick() == []  # first sight
    for start, end in zip(bounds[1:], bounds[2:], strict=False):
        settle()  # long enough to be stable, but the file grew meanwhile
        with part.open("ab") as fh:
            fh.write(content[start:end])
        assert daemon.tick() == [], f"taken half-written at {end} bytes"
    assert part.read_bytes() == content
    settle()
    [request] = daemon.tick()
    sha = hashlib.sha256(content).hexdigest()
    assert request.partition_key == request.run_key == document_id_for("big-invoice.pdf", sha)
    entry = store(env).entry(request.partition_key)
    assert entry.sha256 == sha and entry.size_bytes == len(content)
    assert entry.origin == "sensor" and entry.source_file == str(part)
    assert daemon.instance.has_dynamic_partition("documents", request.partition_key)
    settle()
    assert daemon.tick() == []  # taken once, never again


def test_not_taken_before_the_stable_time(env, daemon, monkeypatch):
    monkeypatch.setenv("INVOICE_STABLE_SECONDS", "30")
    (env["inbox"] / "a.pdf").write_bytes(pdf("a"))
    assert daemon.tick() == []
    settle()
    assert daemon.tick() == []  # unchanged, but not for 30 s yet
    monkeypatch.setenv("INVOICE_STABLE_SECONDS", str(STABLE))
    assert len(daemon.tick()) == 1


# ---------------------------------------------------------------- duplicates


def test_same_content_under_another_name_is_a_recorded_duplicate(env, daemon):
    inbox = env["inbox"]
    (inbox / "copies").mkdir()
    (inbox / "a-invoice.pdf").write_bytes(pdf("same"))
    (inbox / "copies" / "copy of invoice.pdf").write_bytes(pdf("same"))
    (inbox / "other.pdf").write_bytes(pdf("other"))
    daemon.tick()
    settle()
    requests = daemon.tick()
    sha = hashlib.sha256(pdf("same")).hexdigest()
    original = document_id_for("a-invoice.pdf", sha)
    assert sorted(r.run_key for r in requests) == sorted(
        [original, document_id_for("other.pdf", hashlib.sha256(pdf("other")).hexdigest())]
    )
    # the copy left the inbox for processed/duplicates, never deleted, and is on record
    moved = env["storage"] / "processed" / "duplicates" / "copies" / "copy of invoice.pdf"
    assert moved.read_bytes() == pdf("same")
    assert files_under(inbox) == {"a-invoice.pdf", "other.pdf"}
    [ledger] = duplicates(store(env))
    assert ledger["duplicate_of"] == original
    assert ledger["relative_path"] == "copies/copy of invoice.pdf"
    assert ledger["original_source_file"] == str(inbox / "a-invoice.pdf")
    with ResultsStore(os.environ["INVOICE_RESULTS_DB_URL"]) as results:
        [row] = results.duplicates()
    assert row["document_id"] == original and row["sha256"] == sha
    assert row["path"] == str(inbox / "copies" / "copy of invoice.pdf")
    # the same content dropped again later, under its first name, is a duplicate too
    settle()
    daemon.tick()
    (inbox / "again").mkdir()
    (inbox / "again" / "a-invoice.pdf").write_bytes(pdf("same"))
    daemon.tick()
    settle()
    assert daemon.tick() == []
    assert len(duplicates(store(env))) == 2
    assert daemon.added == [r.run_key for r in requests]


def test_renames_before_and_after_the_file_is_taken(env, daemon):
    inbox = env["inbox"]
    (inbox / "scan-001.pdf").write_bytes(pdf("renamed"))
    daemon.tick()
    (inbox / "scan-001.pdf").rename(inbox / "acme-invoice.pdf")  # renamed while pending
    settle()
    assert daemon.tick() == []  # a new path: its stability clock starts now
    settle()
    [request] = daemon.tick()
    sha = hashlib.sha256(pdf("renamed")).hexdigest()
    assert request.run_key == document_id_for("acme-invoice.pdf", sha)
    # renamed after it was taken, before its run archived it: the same content, so a
    # duplicate; its bytes are archived now, so the document's run still has them
    (inbox / "acme-invoice.pdf").rename(inbox / "acme-invoice-final.pdf")
    daemon.tick()
    settle()
    assert daemon.tick() == []
    assert store(env).read_archive(sha) == pdf("renamed")
    [dup] = duplicates(store(env))
    assert dup["duplicate_of"] == request.run_key
    assert files_under(inbox) == set()


def test_a_file_changed_after_it_was_taken_is_a_new_document(env, daemon):
    path = env["inbox"] / "invoice.pdf"
    path.write_bytes(pdf("v1"))
    daemon.tick()
    settle()
    [first] = daemon.tick()
    path.write_bytes(pdf("version 2"))
    daemon.tick()
    settle()
    [second] = daemon.tick()
    assert second.run_key != first.run_key
    assert second.run_key == document_id_for(
        "invoice.pdf", hashlib.sha256(pdf("version 2")).hexdigest()
    )
    assert store(env).entry(first.run_key).sha256 != store(env).entry(second.run_key).sha256


# ------------------------------------------------------- unsupported, ignored


def test_unsupported_empty_and_unreadable_files_are_quarantined_with_a_reason(env, daemon):
    inbox = env["inbox"]
    rejected = {
        "notes.pdf": b"just some text, named like a PDF\n",
        "empty.pdf": b"",
        "archive.pdf": b"PK\x03\x04" + b"\x00" * 60,
        "page.html": b"<!DOCTYPE html><html><body>hi</body></html>",
    }
    for name, data in rejected.items():
        (inbox / name).write_bytes(data)
    (inbox / "photo.txt").write_bytes(PNG)  # supported: decided by content, not name
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n% cut")
    (inbox / "good.pdf").write_bytes(pdf("good"))
    os.mkfifo(inbox / "pipe.pdf")  # opening it would block a naive sensor for ever
    (inbox / "dangling.pdf").symlink_to(inbox / "nowhere.pdf")
    daemon.tick()
    settle()
    requests = daemon.tick()
    taken = {store(env).entry(r.run_key).file_name for r in requests}
    assert taken == {"photo.txt", "broken.pdf", "good.pdf"}  # raw judges broken.pdf later

    reasons = {r["file_name"]: r for r in store(env).quarantined()}
    assert set(reasons) == {*rejected, "pipe.pdf", "dangling.pdf"}
    assert reasons["notes.pdf"]["reason"] == "unsupported_type"
    assert reasons["archive.pdf"]["reason"] == "unsupported_type"
    assert "zip" in reasons["archive.pdf"]["media_type"]
    assert reasons["page.html"]["media_type"] == "text/html"
    assert reasons["empty.pdf"]["reason"] == "empty_file"
    assert reasons["pipe.pdf"]["reason"] == "not_a_regular_file"
    assert reasons["dangling.pdf"]["reason"] == "not_a_regular_file"
    for name, data in rejected.items():
        # copied into the quarantine, then (only then) removed from the inbox
        folder = store(env).quarantine_dir(reasons[name]["document_id"])
        assert (folder / name).read_bytes() == data
        assert reasons[name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert reasons[name]["kept_in_inbox"] is False
        assert not (inbox / name).exists()
    # what cannot be copied safely stays where it is, reported once, not every tick
    assert reasons["pipe.pdf"]["kept_in_inbox"] is True
    assert (inbox / "pipe.pdf").exists() and (inbox / "dangling.pdf").is_symlink()
    settle()
    assert daemon.tick() == []
    assert len(list(store(env).quarantined())) == 6


def test_ignored_files_are_skipped_without_noise(env, daemon, monkeypatch):
    monkeypatch.setenv("INVOICE_IGNORE_PATTERNS", "*.txt,scratch/*")
    inbox = env["inbox"]
    names = [
        ".DS_Store",
        "Thumbs.db",
        "desktop.ini",
        "._invoice.pdf",
        "~$invoice.docx",
        "download.tmp",
        "big.pdf.part",
        "invoice.pdf.crdownload",
        ".invoice.pdf.swp",
        "notes.txt",
        "scratch/draft.pdf",
        ".hidden/invoice.pdf",
        "__MACOSX/invoice.pdf",
    ]
    for name in names:
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(pdf(name))
    (inbox / "real.pdf").write_bytes(pdf("real"))
    daemon.tick()
    settle()
    [request] = daemon.tick()
    assert store(env).entry(request.run_key).file_name == "real.pdf"
    assert list(store(env).quarantined()) == []
    assert duplicates(store(env)) == []
    assert files_under(inbox) == {*names, "real.pdf"}  # left alone


def test_nested_folders_keep_their_subfolder_as_a_tag(env, daemon):
    inbox = env["inbox"]
    (inbox / "acme" / "2024" / "05").mkdir(parents=True)
    (inbox / "globex").mkdir()
    (inbox / "acme" / "2024" / "05" / "inv-17.pdf").write_bytes(pdf(17))
    (inbox / "globex" / "inv-18.pdf").write_bytes(PNG + b"18")
    (inbox / "top.pdf").write_bytes(pdf("top"))
    daemon.tick()
    settle()
    requests = {store(env).entry(r.run_key).file_name: r for r in daemon.tick()}
    assert requests["inv-17.pdf"].tags["invoice/subfolder"] == "acme"
    assert requests["inv-18.pdf"].tags["invoice/subfolder"] == "globex"
    assert "invoice/subfolder" not in requests["top.pdf"].tags
    for request in requests.values():
        assert request.tags["invoice/origin"] == "sensor"
        assert request.tags["dagster/partition"] == request.partition_key
    assert store(env).entry(requests["inv-17.pdf"].run_key).subfolder == "acme"
    assert store(env).entry(requests["top.pdf"].run_key).subfolder is None


# ------------------------------------------------------ cursor, restarts, caps


def test_cap_restart_and_replayed_tick(env, daemon, monkeypatch):
    monkeypatch.setenv("INVOICE_SENSOR_MAX_PER_TICK", "3")
    inbox = env["inbox"]
    for i in range(5):
        (inbox / f"inv-{i}.pdf").write_bytes(pdf(i))
    assert daemon.tick() == []
    first_cursor = daemon.cursor
    settle()
    batch1 = daemon.tick()
    assert len(batch1) == 3
    assert len(daemon.cursor) < 100  # compact: the state lives in the store
    # the daemon crashed before it stored that cursor: the tick is replayed from the old
    # one and must request the same documents again (Dagster skips their run keys)
    replay = dg.build_sensor_context(
        instance=daemon.instance,
        instance_ref=daemon.instance.get_ref(),
        cursor=first_cursor,
        definitions=daemon.defs,
    )
    replayed = drop_folder_sensor.evaluate_tick(replay)
    assert {r.run_key for r in replayed.run_requests} == {r.run_key for r in batch1}
    assert duplicates(store(env)) == []
    # a restart: a new process, a new context, only the stored cursor
    rest = daemon.tick()
    assert len(rest) == 2
    assert daemon.tick() == []
    expected = {
        document_id_for(f"inv-{i}.pdf", hashlib.sha256(pdf(i)).hexdigest()) for i in range(5)
    }
    assert {r.run_key for r in daemon.launched} == expected
    assert len(daemon.launched) == 5
    assert sorted(daemon.added) == sorted(expected)


def test_a_lost_cursor_forgets_nothing_and_repeats_nothing(env, daemon):
    inbox = env["inbox"]
    for i in range(3):
        (inbox / f"inv-{i}.pdf").write_bytes(pdf(i))
    daemon.tick()
    settle()
    assert len(daemon.tick()) == 3
    (inbox / "late.pdf").write_bytes(pdf("late"))
    daemon.cursor = None  # e.g. the sensor was reset in the UI
    daemon.tick()
    settle()
    again = daemon.tick()
    # the three taken files are found in the content index as themselves: requested again
    # (the daemon skips run keys it already launched), the late one is new
    assert [store(env).entry(r.run_key).file_name for r in again] == ["late.pdf"]
    assert duplicates(store(env)) == []
    assert len(daemon.launched) == 4


# ------------------------------------------------------------- other inboxes


def test_fsspec_url_inbox(env, daemon, monkeypatch):
    url = f"memory://inbox-{os.getpid()}-{time.time_ns()}"
    monkeypatch.setenv("INVOICE_INBOX", url)
    root = UPath(url)
    (root / "vendor").mkdir(parents=True, exist_ok=True)
    (root / "vendor" / "inv.pdf").write_bytes(pdf("memory"))
    (root / "vendor" / "inv copy.pdf").write_bytes(pdf("memory"))
    (root / "junk.bin").write_bytes(b"\x00\x01\x02 not a document")
    daemon.tick()
    settle()
    [request] = daemon.tick()
    entry = store(env).entry(request.run_key)
    assert entry.source_file == f"{url}/vendor/inv copy.pdf" or entry.source_file == (
        f"{url}/vendor/inv.pdf"
    )
    assert UPath(entry.source_file).read_bytes() == pdf("memory")
    assert request.tags["invoice/subfolder"] == "vendor"
    assert len(duplicates(store(env))) == 1
    assert [r["file_name"] for r in store(env).quarantined()] == ["junk.bin"]
    assert not (root / "junk.bin").exists()


# -------------------------------------------------------------- many files


def _many(env, count: int, cap: int, monkeypatch) -> None:
    monkeypatch.setenv("INVOICE_SENSOR_MAX_PER_TICK", str(cap))
    inbox = env["inbox"]
    expected = set()
    for i in range(count):
        folder = inbox / f"batch-{i % 20:02d}"
        folder.mkdir(exist_ok=True)
        data = pdf(i)
        (folder / f"invoice-{i:05d}.pdf").write_bytes(data)
        expected.add(document_id_for(f"invoice-{i:05d}.pdf", hashlib.sha256(data).hexdigest()))
    for i in range(0, count, 500):  # a few same-content copies among them
        (inbox / f"dup-{i}.pdf").write_bytes(pdf(i))
    return expected


def _run_many(env, daemon, expected: set[str], budget_s: float) -> None:
    started = time.perf_counter()
    assert daemon.tick() == []
    settle()
    ticks = 0
    while len(daemon.launched) < len(expected):
        took = time.perf_counter()
        daemon.tick()
        assert time.perf_counter() - took < budget_s
        ticks += 1
        assert ticks < 20
    assert daemon.tick() == []
    assert {r.run_key for r in daemon.launched} == expected
    assert len(daemon.launched) == len(expected)
    assert sorted(daemon.added) == sorted(expected)
    assert len(duplicates(store(env))) == len(range(0, len(expected), 500))
    state = json.loads(daemon.cursor)
    assert set(state) == {"v", "inbox", "gen"}
    print(f"{len(expected)} files in {ticks} ticks, {time.perf_counter() - started:.1f}s")


def test_two_thousand_files_are_all_taken_exactly_once(env, daemon, monkeypatch):
    expected = _many(env, 2000, 1000, monkeypatch)
    _run_many(env, daemon, expected, budget_s=15)


@pytest.mark.slow
def test_ten_thousand_files_are_all_taken_exactly_once(env, daemon, monkeypatch):
    expected = _many(env, 10_000, 2500, monkeypatch)
    _run_many(env, daemon, expected, budget_s=30)


# ------------------------------------------------------------ the scanner


def test_scanner_with_a_controlled_clock(env):
    """Stability and the cap against an explicit clock, without Dagster."""
    inbox = env["inbox"]
    settings = InboxSettings(inbox=str(inbox), stable_seconds=5, max_per_tick=2)
    scanner = InboxScanner(settings, store(env))
    for i in range(3):
        (inbox / f"f{i}.pdf").write_bytes(pdf(i))
    r1 = scanner.tick(None, now=1000.0)
    assert (r1.unstable, r1.waiting, len(r1.new_documents)) == (3, 0, 0)
    r2 = scanner.tick(r1.cursor, now=1004.9)
    assert (r2.unstable, len(r2.new_documents), r2.state_written) == (3, 0, False)
    assert r2.cursor == r1.cursor  # nothing changed: no new state generation
    r3 = scanner.tick(r2.cursor, now=1005.0)
    assert (len(r3.new_documents), r3.waiting, r3.known) == (2, 1, 2)
    r4 = scanner.tick(r3.cursor, now=1005.1)
    assert (len(r4.new_documents), r4.waiting, r4.known) == (1, 0, 3)
    assert [d.relative_path for d in r3.new_documents + r4.new_documents] == [
        "f0.pdf",
        "f1.pdf",
        "f2.pdf",
    ]
    lines = dict(r4.lines())
    assert "1 new" in lines["info"]


def test_an_unexpected_error_on_one_file_never_stops_the_others(env):
    inbox = env["inbox"]
    scanner = InboxScanner(InboxSettings(inbox=str(inbox), stable_seconds=1), store(env))
    (inbox / "fine.pdf").write_bytes(pdf("fine"))
    (inbox / "stuck.pdf").write_bytes(pdf("stuck"))
    stuck_id = document_id_for("stuck.pdf", hashlib.sha256(pdf("stuck")).hexdigest())
    blocker = env["storage"] / "registry" / f"{stuck_id}.json"
    blocker.mkdir(parents=True)  # its registry entry cannot be written or read
    r1 = scanner.tick(None, now=10.0)
    r2 = scanner.tick(r1.cursor, now=11.0)
    assert [d.relative_path for d in r2.new_documents] == ["fine.pdf"]
    assert [rel for rel, _ in r2.errors] == ["stuck.pdf"]
    assert any(level == "warning" and "stuck.pdf" in line for level, line in r2.lines())
    blocker.rmdir()
    r3 = scanner.tick(r2.cursor, now=12.0)  # tried again, and taken once it can be
    assert [d.document_id for d in r3.new_documents] == [stuck_id]
    assert store(env).entry(stuck_id).source_file == str(inbox / "stuck.pdf")
    assert not r3.errors and not r3.duplicates


def test_storage_inside_the_inbox_is_never_scanned(env):
    inbox = env["inbox"]
    scanner = InboxScanner(
        InboxSettings(inbox=str(inbox), stable_seconds=1), DocumentStore(inbox / "storage")
    )
    (inbox / "a.pdf").write_bytes(pdf("a"))
    (inbox / "b.pdf").write_bytes(pdf("a"))
    (inbox / "c.txt").write_bytes(b"text")
    r1 = scanner.tick(None, now=10.0)
    r2 = scanner.tick(r1.cursor, now=11.0)
    assert (len(r2.new_documents), len(r2.duplicates), len(r2.quarantined)) == (1, 1, 1)
    r3 = scanner.tick(r2.cursor, now=20.0)
    r4 = scanner.tick(r3.cursor, now=30.0)
    assert r3.listed == r4.listed == 1  # a.pdf only: processed/, quarantine/ are not the inbox
    assert not (r4.new_documents or r4.duplicates or r4.quarantined)


# ------------------------------------------------------------ end to end


def test_dropped_files_are_processed_end_to_end(env, daemon):
    from invoice_pipeline.samples import generate_invoice

    inbox = env["inbox"]
    (inbox / "acme").mkdir()
    data, suffix, truth = generate_invoice(301, "en", kind="pdf")
    (inbox / "acme" / f"invoice{suffix}").write_bytes(data)
    (inbox / f"same-invoice{suffix}").write_bytes(data)
    (inbox / "readme.md").write_bytes(b"# not an invoice\n")
    (inbox / "Thumbs.db").write_bytes(b"\x00" * 16)
    daemon.tick()
    settle()
    [request] = daemon.tick()
    assert request.tags["invoice/subfolder"] == "acme"
    [result] = daemon.execute([request])
    assert result.success
    assert result.dagster_run.tags["invoice/origin"] == "sensor"

    with ResultsStore(os.environ["INVOICE_RESULTS_DB_URL"]) as db:
        record = db.get_record(request.run_key)
        [duplicate] = db.duplicates()
    assert record.status in ("approved", "manual_review")
    assert record.invoice_number == truth.invoice_number
    assert record.total_amount == truth.total_amount
    assert duplicate["document_id"] == request.run_key
    # every dropped file is accounted for: processed, duplicate, ignored or quarantined
    processed = env["storage"] / "processed"
    assert (processed / "acme" / f"invoice{suffix}").read_bytes() == data
    assert (processed / "duplicates" / f"same-invoice{suffix}").read_bytes() == data
    assert [r["file_name"] for r in store(env).quarantined()] == ["readme.md"]
    assert files_under(inbox) == {"Thumbs.db"}
    settle()
    assert daemon.tick() == []
