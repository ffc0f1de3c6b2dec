"""A bounded soak through the drop folder: ``python bench/soak.py [--documents 2000]``.

Drops ``--documents`` files into a temporary inbox in waves, evaluates
``drop_folder_sensor`` as the daemon does (``evaluate_tick`` on a SQLite
instance, partitions added, run keys de-duplicated) and executes every run it
requests, one document per run, until the inbox is settled. Most files are
generated born-digital invoice PDFs (a few scans with ``--scan-share``); at
random, with ``--fault-rate``, a file is instead corrupt (truncated PDF,
corrupt PNG, empty, HTML named .pdf, a 500 MB sparse file), a copy of an
earlier file under a new name, or a file the inbox ignores (lock, temp and
system files). The field extractor is the chain ``openai,rules`` against the
fake OpenAI server of ``tests/fake_llm_server.py``, scripted at random with
HTTP 500 and 429 storms, timeouts, malformed answers and a few real answers;
with ``--ocr-fault-rate`` the OCR engine raises on that share of pages.

At the end the ledger is read back from the sources of truth (the results
database, the quarantine's ``reason.json`` files, the store's duplicates
ledger, the inbox itself), printed, and checked::

    dropped = approved + manual_review + failed-with-reason + duplicates + ignored

and every original (by sha256) must be recoverable from processed/,
quarantine/, archive/ or the inbox (ignored and held files stay there). The
ledger is also written to ``bench/results/soak.json`` (``--results DIR``). Exit
status 0 when both hold. ``tests/test_soak.py`` runs 200 documents in the
test suite (under 6 minutes on 2 cores); 2,000 documents took 41 minutes
(the README has the ledger).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/soak.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._main import Benchmark, run_benchmark  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BIG = 500 * 1024 * 1024


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--documents", type=int, default=2000, help="files to drop (2000)")
    parser.add_argument("--wave", type=int, default=50, help="files dropped between ticks (50)")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="share of faulty files")
    parser.add_argument("--scan-share", type=float, default=0.01, help="share of scans (OCR)")
    parser.add_argument("--ocr-fault-rate", type=float, default=0.5, help="OCR pages that raise")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--workdir", type=Path, default=None, help="keep everything here")
    parser.add_argument("--verbose", action="store_true", help="show the pipeline's warnings")


def configure(root: Path, llm_url: str) -> None:
    """Every setting the pipeline reads, before it is imported (retry policies read theirs then)."""
    for name in ("inbox", "storage", "dagster_home"):
        (root / name).mkdir(parents=True, exist_ok=True)
    home = root / "dagster_home"
    (home / "dagster.yaml").write_text(
        json.dumps(
            {
                "telemetry": {"enabled": False},
                "event_log_storage": {
                    "module": "dagster._core.storage.event_log",
                    "class": "ConsolidatedSqliteEventLogStorage",
                    "config": {"base_dir": str(home / "events")},
                },
            }
        )
    )
    os.environ.update(
        INVOICE_INBOX=str(root / "inbox"),
        INVOICE_STORAGE=str(root / "storage"),
        DAGSTER_HOME=str(home),
        INVOICE_RESULTS_DB_URL=f"sqlite:///{root / 'results.sqlite'}",
        INVOICE_STABLE_SECONDS="0.2",
        INVOICE_SENSOR_MAX_PER_TICK="500",
        INVOICE_RETRY_DELAY_SECONDS="0.05",
        LLM_PROVIDER="openai,rules",
        OPENAI_API_KEY="sk-soak-not-a-real-key-000000000000",
        OPENAI_BASE_URL=f"{llm_url}/v1",
        LLM_MAX_RETRIES="1",
        LLM_TIMEOUT_SECONDS="0.5",
        OCR_PAGE_TIMEOUT_SECONDS="60",
    )
    for name in (
        "OCR_ENGINE",
        "INVOICE_EXECUTOR",
        "INVOICE_IGNORE_PATTERNS",
        "INVOICE_KEEP_ORIGINALS",
    ):
        os.environ.pop(name, None)


def script_llm(server: Any, rng: random.Random, requests: int) -> None:
    """Random replies, in order of arrival; when they run out, every request gets a 500."""
    from tests.fake_llm_server import Reply, openai_error, openai_reply

    answer = json.dumps(
        {
            "invoice_number": {"value": "SOAK-0001", "confidence": 0.9, "line_ids": []},
            "language": "en",
            "line_items": [],
        }
    )
    fast = {"retry-after-ms": "10"}
    choices = [
        (0.35, lambda: openai_error(500, "upstream overloaded", headers=fast)),
        (0.25, lambda: openai_error(429, "rate limited", headers=fast)),
        (0.15, lambda: Reply(openai_reply(answer).body, delay=1.0)),  # after the timeout
        (0.15, lambda: openai_reply("not JSON at all {")),
        (0.10, lambda: openai_reply(answer)),
    ]
    weights = [w for w, _ in choices]
    for _ in range(requests):
        _, make = rng.choices(choices, weights=weights)[0]
        server.script("openai", make())
    server.always("openai", openai_error(500, "upstream overloaded", headers=fast))


def patch_ocr(rng: random.Random, rate: float) -> None:
    """The real rapidocr engine, raising on a random share of pages (an engine crash)."""
    if rate <= 0:
        return
    from invoice_pipeline.processing.ocr.rapidocr_engine import RapidOcrEngine

    real = RapidOcrEngine.read

    def read(self: Any, image: Any, page_number: int) -> Any:
        if rng.random() < rate:
            raise RuntimeError("soak: injected OCR engine failure")
        return real(self, image, page_number)

    RapidOcrEngine.read = read  # type: ignore[method-assign]


class Dropper:
    """Writes the files of the soak into the inbox and remembers what it dropped."""

    def __init__(self, inbox: Path, rng: random.Random, args: argparse.Namespace):
        from invoice_pipeline.samples import generate_invoice

        self.generate = generate_invoice
        self.inbox = inbox
        self.rng = rng
        self.args = args
        self.dropped: dict[str, dict[str, Any]] = {}  # name -> {"sha256", "kind"}
        self.valid: list[bytes] = []
        self.count = 0

    def _write(self, name: str, data: bytes, kind: str, size: int | None = None) -> None:
        path = self.inbox / name
        with path.open("wb") as fh:
            fh.write(data)
            if size is not None:
                fh.truncate(size)
        digest = hashlib.sha256(data)
        zeros = (size or len(data)) - len(data)
        while zeros > 0:  # the sparse tail reads as zeros
            digest.update(bytes(min(zeros, 1 << 20)))
            zeros -= 1 << 20
        self.dropped[name] = {"sha256": digest.hexdigest(), "kind": kind}

    def drop(self) -> None:
        i = self.count
        self.count += 1
        rng, args = self.rng, self.args
        locale = ("en", "de", "fr", "sv")[i % 4]
        if rng.random() < args.fault_rate:
            fault = rng.choices(
                ["truncated", "corrupt_png", "empty", "html", "huge", "duplicate", "ignored"],
                weights=[20, 10, 10, 10, 2, 28, 20],
            )[0]
            if fault == "duplicate" and self.valid:
                self._write(f"copy-{i:05d}.pdf", rng.choice(self.valid), "duplicate")
            elif fault == "ignored":
                name = rng.choice([f"~$draft-{i}.pdf", f".~lock.inv-{i}.pdf#", f"scan-{i}.tmp"])
                self._write(name, b"temporary", "ignored")
            elif fault == "truncated":
                data = self.generate(100_000 + i, locale, kind="pdf")[0]
                self._write(f"truncated-{i:05d}.pdf", data[: len(data) // 2], "corrupt")
            elif fault == "corrupt_png":
                data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200)
                self._write(f"corrupt-{i:05d}.png", data, "corrupt")
            elif fault == "empty":
                self._write(f"empty-{i:05d}.pdf", b"", "corrupt")
            elif fault == "html":
                self._write(f"page-{i:05d}.pdf", b"<!DOCTYPE html><p>%d</p>" % i, "corrupt")
            elif fault == "huge":
                self._write(f"huge-{i:05d}.pdf", b"%PDF-1.7\n% huge\n" + b"%d" % i, "corrupt", BIG)
            else:  # a duplicate before any valid file exists
                self._valid(i, locale)
            return
        self._valid(i, locale)

    def _valid(self, i: int, locale: str) -> None:
        scan = self.rng.random() < self.args.scan_share
        data, suffix, _ = self.generate(
            self.args.seed * 100_000 + i, locale, kind="scan" if scan else "pdf"
        )
        self._write(f"invoice-{i:05d}{suffix}", data, "scan" if scan else "pdf")
        self.valid.append(data)


class Daemon:
    """The sensor daemon and run launcher, in process: tick, add partitions, run the requests."""

    def __init__(self, instance: Any, defs: Any):
        self.instance = instance
        self.defs = defs
        self.cursor: str | None = None
        self.run_keys: set[str] = set()
        self.failed_runs: list[str] = []
        self.runs = 0

    def tick(self) -> int:
        from dagster._core.storage.tags import RUN_KEY_TAG

        from invoice_pipeline.jobs import JOB_NAME
        from invoice_pipeline.runner import QUIET_RUN_CONFIG
        from invoice_pipeline.sensors.drop_folder import tick_in_process

        data, _ = tick_in_process(self.instance, self.defs, self.cursor)
        self.cursor = data.cursor
        job = self.defs.resolve_job_def(JOB_NAME)
        fresh = [r for r in data.run_requests if r.run_key not in self.run_keys]
        for request in fresh:
            self.run_keys.add(request.run_key)
            result = job.execute_in_process(
                instance=self.instance,
                partition_key=request.partition_key,
                run_config=QUIET_RUN_CONFIG,
                tags={**request.tags, RUN_KEY_TAG: request.run_key},
                raise_on_error=False,
            )
            self.runs += 1
            if not result.success:
                self.failed_runs.append(request.partition_key)
        return len(fresh)


def sha_index(*folders: Path) -> set[str]:
    """The sha256 of every file under the folders (sparse files hashed as they read)."""
    found: set[str] = set()
    for folder in folders:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink() and path.name != "reason.json":
                digest = hashlib.sha256()
                with path.open("rb") as fh:
                    while chunk := fh.read(1 << 20):
                        digest.update(chunk)
                found.add(digest.hexdigest())
    return found


def ledger(root: Path, dropper: Dropper, daemon: Daemon) -> dict[str, Any]:
    """The outcome of every dropped file, read from the stores, not from what was injected."""
    from invoice_pipeline import settings
    from invoice_pipeline.processing.intake.duplicates import duplicates
    from invoice_pipeline.processing.intake.ignore import is_ignored
    from invoice_pipeline.processing.intake.store import DocumentStore
    from invoice_pipeline.processing.results.store import ResultsStore

    store = DocumentStore(root / "storage")
    inbox = root / "inbox"
    with ResultsStore(os.environ["INVOICE_RESULTS_DB_URL"]) as db:
        records = db.records()
    taken = {p.stem for p in (root / "storage" / "registry").glob("*.json")}
    decided = Counter(r.status for r in records if r.document_id in taken)
    unexplained = [
        r.document_id
        for r in records
        if r.status == "failed" and not (r.reasons or any(i.severity == "error" for i in r.issues))
    ]
    at_inbox = [q for q in store.quarantined() if q.get("stage") == "inbox"]
    reasons = Counter(q["reason"] for q in at_inbox)
    for record in records:
        if record.status == "failed":
            reasons[(record.reasons or ["?"])[0].split(":", 1)[0]] += 1
    left = [p for p in inbox.rglob("*") if p.is_file() or p.is_symlink()]
    extra = settings.get().inbox_settings.ignore_patterns
    ignored = [p for p in left if is_ignored(p.relative_to(inbox), extra)]
    dups = duplicates(store)
    row = {
        "dropped": len(dropper.dropped),
        "approved": decided.get("approved", 0),
        "manual_review": decided.get("manual_review", 0),
        "failed_with_reason": decided.get("failed", 0) - len(unexplained) + len(at_inbox),
        "duplicates": len(dups),
        "ignored": len(ignored),
    }
    row["accounted"] = sum(v for k, v in row.items() if k != "dropped")
    row["balanced"] = row["accounted"] == row["dropped"]
    recoverable = sha_index(
        root / "storage" / "processed",
        root / "storage" / "quarantine",
        root / "storage" / "archive",
        inbox,
    )
    lost = [n for n, d in dropper.dropped.items() if d["sha256"] not in recoverable]
    missing_records = sorted(taken - {r.document_id for r in records})
    return {
        **row,
        "every_original_recoverable": not lost,
        "lost": lost[:20],
        "documents_without_record": missing_records[:20],
        "failed_without_reason": unexplained[:20],
        "failed_runs": daemon.failed_runs[:20],
        "runs": daemon.runs,
        "failure_reasons": dict(reasons.most_common()),
        "dropped_kinds": dict(Counter(d["kind"] for d in dropper.dropped.values())),
        "held_in_inbox": sorted(str(p.relative_to(inbox)) for p in left if p not in ignored)[:20],
    }


def print_ledger(result: dict[str, Any], seconds: float) -> None:
    print("\nsoak ledger")
    print(f"  dropped             {result['dropped']:6d}")
    for key in ("approved", "manual_review", "failed_with_reason", "duplicates", "ignored"):
        print(f"  {key:<19} {result[key]:6d}")
    print(f"  {'= accounted':<19} {result['accounted']:6d}   balanced: {result['balanced']}")
    print(f"  every original recoverable: {result['every_original_recoverable']}")
    print(f"  runs: {result['runs']} ({len(result['failed_runs'])} failed), {seconds:.0f} s")
    print(f"  failure reasons: {result['failure_reasons']}")
    print(f"  dropped by kind: {result['dropped_kinds']}")
    for key in ("lost", "documents_without_record", "failed_without_reason", "failed_runs"):
        if result[key]:
            print(f"  {key}: {result[key]}")


def _drop_and_settle(root: Path, rng: random.Random, args: argparse.Namespace) -> dict[str, Any]:
    """Drop the documents in waves, tick until the inbox settles, read the ledger back."""
    import dagster as dg

    from invoice_pipeline.definitions import build_definitions

    started = time.monotonic()
    dropper = Dropper(root / "inbox", rng, args)
    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        daemon = Daemon(instance, build_definitions())
        while dropper.count < args.documents:
            for _ in range(min(args.wave, args.documents - dropper.count)):
                dropper.drop()
            daemon.tick()  # first sight of this wave
            time.sleep(0.25)
            daemon.tick()
            print(
                f"{dropper.count:6d} dropped, {daemon.runs:6d} runs, "
                f"{time.monotonic() - started:7.0f} s",
                flush=True,
            )
        idle = 0
        while idle < 2:  # settle: nothing new for two ticks in a row
            time.sleep(0.25)
            idle = idle + 1 if daemon.tick() == 0 else 0
        result = ledger(root, dropper, daemon)
    return {**result, "seconds": round(time.monotonic() - started, 1)}


def soak(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """The whole soak against the fake LLM server in a temporary (or ``--workdir``) root."""
    if not args.verbose:  # every injected LLM failure is a warning; the ledger says it all
        logging.getLogger("invoice_pipeline").setLevel(logging.ERROR)
    sys.path.insert(0, str(REPO))
    from tests.fake_llm_server import FakeLLMServer

    rng = random.Random(args.seed)
    server = FakeLLMServer().start()
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="invoice-soak-")
        root = Path(tmp.name)
    else:
        root = args.workdir.resolve()
    try:
        configure(root, server.url)
        script_llm(server, random.Random(args.seed + 1), 3 * args.documents)
        patch_ocr(random.Random(args.seed + 2), args.ocr_fault_rate)
        return _drop_and_settle(root, rng, args)
    finally:
        server.stop()
        if tmp is not None:
            tmp.cleanup()


BENCHMARK = Benchmark(
    name="soak",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=soak,
    print_report=lambda report: print_ledger(report, report["seconds"]),
    exit_status=lambda r: 0 if r["balanced"] and r["every_original_recoverable"] else 1,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
