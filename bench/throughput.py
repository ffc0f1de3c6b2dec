"""Throughput of the real Dagster pipeline, and its overhead against the bare OCR engine.

Usage: ``python bench/throughput.py [--quick] [--docs 12] [--ocr-docs 40] [--per-document 3]
[--born-digital 100] [--big-pdf-pages 50]``.

The goals of issue 17, side by side in one run (each line names the machine: cores,
CPU model and the load average when it was measured):

- scanned and photographed pages per hour through the pipeline against the bare OCR
  engine on the very same page images, as a ratio (goal >= 0.9), for batch runs and
  for per-document runs apart; the pages come from both sample generators
  (``invoice_pipeline.samples`` and ``invoice_pipeline.samples.second``), at least 50
  at the default sizes (``--ocr-docs`` scans and photos besides the mix); and the same
  scans and photos through ``runner.process`` with ``INVOICE_PROCESS_WORKERS`` runs at
  once and the cores shared out for OCR (``settings.share_cores``), against the same
  bare-engine figure;
- born-digital invoices per hour through ``runner.process`` (what ``invoice-pipeline
  process`` runs: register, batch runs, the table export; start-up excluded; goal
  >= 100,000);
- the peak memory of a run worker (a fresh ``invoice-pipeline process`` process) on
  one scanned PDF of ``--big-pdf-pages`` image-only pages (goal <= 1.5 GB);
- one dropped scan, drop to ``evaluation`` on the sensor path (goal <= 5 s).

Generated invoices (born-digital PDFs, scans, phone photos, about a quarter
of them multi-page) go through ``invoice_job`` on a temporary embedded
instance (temporary DAGSTER_HOME, INVOICE_STORAGE and SQLite results DB)
in two ways:

- **backfill**: the files are registered as partitions (``runner.register``)
  and materialised in runs over contiguous partition ranges of at most
  INVOICE_BATCH_SIZE documents (``runner.run_batch``, the runs a multi-run
  backfill launches), one kind after another so that each kind gets its own
  figures; then the ``invoices`` table is exported once. Reports documents
  and pages per hour, time per stage (Dagster's step statistics) and peak
  memory. A separate, larger set of born-digital PDFs gives born-digital
  invoices per hour.
- **per document** (the sensor path): each file is dropped into the inbox on
  its own, ``drop_folder_sensor`` is ticked as the daemon does (first sight,
  then again once INVOICE_STABLE_SECONDS have passed), and the one run the
  sensor requests is executed at once, as a daemon with a free run slot
  would. Latency is from the drop to the ``evaluation`` materialisation's
  timestamp in the event log.

In the same process, right after the scans' (and the photos') batches, the
bare OCR engine (``get_engine("rapidocr")``, the settings the pipeline's
default ``auto`` engine uses) reads the very page images the backfill's
``preprocessed`` step stored, so the overhead of everything that is not OCR
is ``pipeline seconds / bare OCR seconds`` for the scans (and photos); the
same ratio in process CPU time is printed beside it, because on a shared
machine the wall-clock ratio moves with the neighbours' load. Runs here execute in this warm process (engine loaded
once, as the OCR resource does per process); the cost a fresh run process
pays (interpreter, imports, model load) is measured separately in a
subprocess as ``cold start``. Prints tables, writes
``bench/results/throughput.json`` and ``throughput.png``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/throughput.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    PeakMemory,
    Stopwatch,
    bar_chart,
    load_average,
    max_rss_mib,
    per_hour,
    percentile,
    pipeline_env,
    print_table,
    quiet_logs,
)
from bench._main import Benchmark, run_benchmark  # noqa: E402

STAGES = ("raw", "preprocessed", "ocr_text", "llm_fields", "validated", "evaluation")
TARGETS = {
    "scan_pages_per_hour": 1500.0,
    "scan_overhead_ratio": 1.25,
    "born_digital_per_hour": 10_000.0,
    "scan_drop_to_evaluation_s": 10.0,
}
GOALS = {
    "ocr_ratio": 0.9,
    "born_digital_process_per_hour": 100_000.0,
    "run_worker_peak_mib": 1536.0,
    "scan_drop_to_evaluation_s": 5.0,
}
"""Issue 17: pipeline pages/h >= 0.9 x bare OCR pages/h; born-digital through ``process``;
the run worker's peak memory on a 50-page scanned PDF; one dropped scan to evaluation."""
GROUP_LABELS = {"scan": "scans", "photo": "photos", "pdf": "born-digital"}
OCR_GROUPS = ("scan", "photo")
QUICK = {"docs": 3, "ocr_docs": 4, "per_document": 1, "born_digital": 5, "big_pdf_pages": 3}
"""``--quick``: every phase at a size that checks it works, not what it measures."""


# -------------------------------------------------------------------- machine


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo; the platform's processor string elsewhere)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    import platform

    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    """Cores, CPU model and the load average now: the context every figure is printed with."""
    load = load_average()
    shown = "/".join(f"{v:.2f}" for v in load) if load else "unknown"
    return f"{os.cpu_count()} cores, {cpu_model()}, load {shown}"


# --------------------------------------------------------------------- inputs


def generate_inputs(
    root: Path,
    *,
    docs: int,
    per_document: int,
    born_digital: int,
    seed: int,
    kinds: tuple[str, ...] = ("pdf", "scan", "photo"),
    drop_kinds: tuple[str, ...] = ("scan", "pdf", "photo"),
    multipage_share: float = 0.25,
    ocr_docs: int = 0,
) -> dict[str, list[Any]]:
    """The generated files: the mix, scans and photos of both generators (``ocr``), the
    extra born-digital set and the per-document drops."""
    from invoice_pipeline.samples import generate_corpus
    from invoice_pipeline.samples.second import generate_corpus as generate_second

    first = math.ceil(ocr_docs / 2)
    ocr = [
        *generate_corpus(
            root / "ocr_first",
            first,
            seed=seed + 3,
            kinds=("scan", "photo"),
            multipage_share=multipage_share,
        ),
        *generate_second(
            root / "ocr_second", ocr_docs - first, seed=seed + 4, kinds=("scan", "photo")
        ),
    ]
    return {
        "ocr": ocr,
        "mix": generate_corpus(
            root / "mix", docs, seed=seed, kinds=kinds, multipage_share=multipage_share
        ),
        "born_digital": generate_corpus(
            root / "born_digital", born_digital, seed=seed + 1, kinds=("pdf",)
        ),
        "drops": generate_corpus(
            root / "drops", per_document, seed=seed + 2, kinds=drop_kinds, multipage_share=0.0
        ),
    }


# ------------------------------------------------------------------ helpers


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def step_seconds(instance: Any, run_id: str) -> dict[str, float]:
    """Seconds per step of one run, from Dagster's step statistics."""
    out: dict[str, float] = {}
    for stat in instance.get_run_step_stats(run_id):
        if stat.start_time is not None and stat.end_time is not None:
            out[stat.step_key] = out.get(stat.step_key, 0.0) + stat.end_time - stat.start_time
    return out


def evaluation_timestamp(instance: Any, run_id: str) -> float | None:
    """When the run materialised ``evaluation`` (event log timestamp, epoch seconds)."""
    import dagster as dg

    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        event = entry.dagster_event
        if event is not None and event.asset_key == dg.AssetKey("evaluation"):
            return entry.timestamp
    return None


def cold_start() -> dict[str, float]:
    """A fresh interpreter importing the code location and loading the engine (a run process)."""
    import json

    code = (
        "import json, time; t0 = time.perf_counter()\n"
        "import invoice_pipeline.definitions\n"
        "t1 = time.perf_counter()\n"
        "from invoice_pipeline.processing.ocr import get_engine\n"
        "get_engine('rapidocr')\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'imports_s': t1 - t0, 'model_load_s': t2 - t1}))\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp, pipeline_env(Path(tmp)):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        wall = time.perf_counter() - started
    parts = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "process_s": round(wall, 2),
        "imports_s": round(parts["imports_s"], 2),
        "model_load_s": round(parts["model_load_s"], 2),
        "interpreter_s": round(wall - parts["imports_s"] - parts["model_load_s"], 2),
    }


class SensorDaemon:
    """Ticks ``drop_folder_sensor`` and applies its result as the sensor daemon does."""

    def __init__(self, instance: Any, defs: Any) -> None:
        self.instance = instance
        self.defs = defs
        self.cursor: str | None = None
        self.run_keys: set[str] = set()

    def tick(self) -> list[Any]:
        from invoice_pipeline.sensors.drop_folder import tick_in_process

        # the tick log's console copy would drown the tables; keep its warnings only
        with contextlib.redirect_stderr(io.StringIO()) as captured:
            data, _ = tick_in_process(self.instance, self.defs, self.cursor)
        for line in captured.getvalue().splitlines():
            if " - WARNING - " in line or " - ERROR - " in line:
                print(line, file=sys.stderr)
        fresh = [r for r in data.run_requests if r.run_key not in self.run_keys]
        self.run_keys |= {r.run_key for r in fresh}
        self.cursor = data.cursor
        return fresh


# ------------------------------------------------------------------- phases


def warm_up(root: Path, sample: Any) -> float:
    """One document through the pipeline in a throwaway instance: lazy imports, first-use caches."""
    from invoice_pipeline import runner
    from invoice_pipeline.definitions import build_definitions

    with pipeline_env(root / "warmup"), Stopwatch() as sw:
        instance = runner.get_instance()
        try:
            runner.process([str(sample.path)], defs=build_definitions(), instance=instance)
        finally:
            instance.dispose()
    return round(sw.seconds, 2)


def backfill(root: Path, groups: dict[str, list[Any]], batch_size: int) -> dict[str, Any]:
    """Register every file, run each kind's partition ranges in batches, and right after a
    kind with OCR pages, the bare engine on the page images its ``preprocessed`` stored."""
    from upath import UPath

    from invoice_pipeline import runner, settings
    from invoice_pipeline.definitions import build_definitions
    from invoice_pipeline.processing.intake.store import DocumentStore
    from invoice_pipeline.processing.results.store import ResultsStore

    out: dict[str, Any] = {"batch_size": batch_size, "groups": {}, "bare_ocr": {}}
    with pipeline_env(root / "backfill") as env, PeakMemory() as memory:
        defs = build_definitions()
        instance = runner.get_instance()
        try:
            store = DocumentStore(settings.get().storage_root)
            files = [(str(s.path), s.path) for samples in groups.values() for s in samples]
            with Stopwatch() as reg:
                registered = runner.register(instance, store, files)
            key_of = {r.given: r.entry.document_id for r in registered if r.entry}
            out["register_s"] = round(reg.seconds, 3)
            failed_runs = 0
            for group, samples in groups.items():
                keys = [key_of[str(s.path)] for s in samples]
                runs = []
                stages: dict[str, float] = defaultdict(float)
                for batch in runner.batches(instance, keys, batch_size):
                    with Stopwatch() as sw:
                        result = runner.run_batch(defs, instance, batch)
                    failed_runs += not result.success
                    steps = step_seconds(instance, result.run_id)
                    for name, seconds in steps.items():
                        stages[name] += seconds
                    runs.append(
                        {
                            "run_id": result.run_id,
                            "documents": len(batch),
                            "seconds": round(sw.seconds, 3),
                            "cpu_seconds": round(sw.cpu_seconds, 3),
                            "steps_s": round(sum(steps.values()), 3),
                            "success": result.success,
                        }
                    )
                seconds = sum(r["seconds"] for r in runs)
                pages = sum(s.pages for s in samples)
                if group in OCR_GROUPS:  # now, so that the machine's load is about the same
                    out["bare_ocr"][group] = bare_ocr(UPath(env["storage"]) / "assets", keys)
                    out["ocr_machine"] = machine_line()
                out["groups"][group] = {
                    "documents": len(samples),
                    "pages": pages,
                    "multi_page_documents": sum(s.pages > 1 for s in samples),
                    "seconds": round(seconds, 3),
                    "cpu_seconds": round(sum(r["cpu_seconds"] for r in runs), 3),
                    "documents_per_hour": per_hour(len(samples), seconds),
                    "pages_per_hour": per_hour(pages, seconds),
                    "stage_seconds": {k: round(v, 3) for k, v in stages.items()},
                    "run_overhead_s": round(seconds - sum(stages.values()), 3),
                    "runs": runs,
                }
            with Stopwatch() as table:
                runner.export_table(defs, instance)
            out["table_export_s"] = round(table.seconds, 3)
            out["failed_runs"] = failed_runs
            with ResultsStore(settings.get().results_db_url) as results:
                statuses: dict[str, int] = defaultdict(int)
                for key in key_of.values():
                    record = results.get_record(key)
                    statuses[record.status if record else "missing"] += 1
            out["statuses"] = dict(statuses)
        finally:
            instance.dispose()
    out["peak_rss_mib"] = memory.peak_mib
    return out


def bare_ocr(assets: Any, keys: list[str]) -> dict[str, Any]:
    """The engine alone on the page images ``preprocessed`` stored for ``keys``."""
    from invoice_pipeline.processing.ocr import get_engine
    from invoice_pipeline.resources.io_manager import PydanticUPathIOManager
    from invoice_pipeline.samples.synthetic import page_text

    io = PydanticUPathIOManager(base_path=assets)
    engine = get_engine("rapidocr", "cpu")  # what engine="auto" uses for pages without text
    pages = same = 0
    seconds = cpu = 0.0
    for key in keys:
        pre = io.load_from_path(None, assets / "preprocessed" / f"{key}.json")  # type: ignore[arg-type]
        piped = io.load_from_path(None, assets / "ocr_text" / f"{key}.json")  # type: ignore[arg-type]
        piped_text = {p.number: page_text(p.lines) for p in piped.pages}
        for page in pre.pages:
            if page.image is None:
                continue
            with Stopwatch() as sw:
                result = engine.read(page.image, page.page_number)
            seconds += sw.seconds
            cpu += sw.cpu_seconds
            pages += 1
            same += page_text(result.lines) == piped_text.get(page.page_number)
    return {
        "pages": pages,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "seconds_per_page": round(seconds / pages, 3) if pages else None,
        "same_text_as_pipeline": same,
    }


def per_document(root: Path, drops: list[Any], stable: float) -> dict[str, Any]:
    """Each file dropped alone, the sensor ticked until it takes it, then its one run."""
    from invoice_pipeline import runner
    from invoice_pipeline.definitions import build_definitions

    rows: list[dict[str, Any]] = []
    with (
        pipeline_env(root / "sensor", INVOICE_STABLE_SECONDS=str(stable)) as env,
        PeakMemory() as memory,
    ):
        defs = build_definitions()
        instance = runner.get_instance()
        try:
            daemon = SensorDaemon(instance, defs)
            daemon.tick()  # the empty inbox: the sensor's state exists before the first drop
            for sample in drops:
                dropped_at = time.time()
                started = time.perf_counter()
                shutil.copyfile(sample.path, env["inbox"] / sample.path.name)
                tick_s = 0.0
                requests: list[Any] = []
                ticks = 0
                while not requests and time.perf_counter() - started < 60:
                    with Stopwatch() as tick:
                        requests = daemon.tick()
                    tick_s += tick.seconds
                    ticks += 1
                    if not requests:
                        time.sleep(max(0.05, stable + 0.05 - (time.perf_counter() - started)))
                taken = time.perf_counter() - started
                if len(requests) != 1:
                    raise RuntimeError(
                        f"the sensor requested {len(requests)} runs for {sample.path}"
                    )
                key = requests[0].partition_key
                with Stopwatch() as run:
                    result = runner.run_batch(defs, instance, [key])
                evaluated = evaluation_timestamp(instance, result.run_id)
                steps = step_seconds(instance, result.run_id)
                rows.append(
                    {
                        "file": sample.path.name,
                        "kind": sample.kind,
                        "pages": sample.pages,
                        "ticks": ticks,
                        "tick_s": round(tick_s, 3),
                        "taken_after_s": round(taken, 3),
                        "run_s": round(run.seconds, 3),
                        "success": result.success,
                        "latency_s": round(evaluated - dropped_at, 3) if evaluated else None,
                        "stage_seconds": {k: round(v, 3) for k, v in steps.items()},
                        "run_overhead_s": round(run.seconds - sum(steps.values()), 3),
                    }
                )
        finally:
            instance.dispose()
    latencies = [r["latency_s"] for r in rows if r["latency_s"] is not None]
    busy = sum(r["tick_s"] + r["run_s"] for r in rows)
    return {
        "stable_seconds": stable,
        "documents": len(rows),
        "rows": rows,
        "latency_p50_s": _round(percentile(latencies, 50)),
        "latency_p95_s": _round(percentile(latencies, 95)),
        "busy_seconds": round(busy, 3),
        "documents_per_hour": per_hour(len(rows), busy),
        "failed_runs": sum(not r["success"] for r in rows),
        "peak_rss_mib": memory.peak_mib,
    }


def per_document_ocr(root: Path, samples: list[Any]) -> dict[str, Any]:
    """The scans and photos again, one run per document (as the sensor launches them), and
    the bare engine on the pages those runs stored, right after: pages/h of both."""
    from upath import UPath

    from invoice_pipeline import runner, settings
    from invoice_pipeline.definitions import build_definitions
    from invoice_pipeline.processing.intake.store import DocumentStore

    load_before = load_average()
    with pipeline_env(root / "per_document_ocr") as env:
        defs = build_definitions()
        instance = runner.get_instance()
        try:
            store = DocumentStore(settings.get().storage_root)
            registered = runner.register(instance, store, [(str(s.path), s.path) for s in samples])
            keys = [r.entry.document_id for r in registered if r.entry]
            seconds = cpu = 0.0
            failed = 0
            for key in keys:
                with Stopwatch() as sw:
                    result = runner.run_batch(defs, instance, [key])
                seconds += sw.seconds
                cpu += sw.cpu_seconds
                failed += not result.success
            bare = bare_ocr(UPath(env["storage"]) / "assets", keys)
        finally:
            instance.dispose()
    pages = sum(s.pages for s in samples)
    return {
        "documents": len(samples),
        "pages": pages,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "pages_per_hour": per_hour(pages, seconds),
        "failed_runs": failed,
        "bare_ocr": bare,
        "load_before": load_before,
        "machine": machine_line(),
    }


def warm_then_process(
    root: Path, samples: list[Any], batch_size: int, *, share_cores: bool = False
) -> dict[str, Any]:
    """``runner.process`` over ``samples`` in this warm process with its worker processes
    (``INVOICE_PROCESS_WORKERS``), as ``invoice-pipeline process`` runs them: the
    definitions, the instance and the workers exist before the clock starts; the first two
    samples warm them up (one batch each) and are not counted. With ``share_cores`` each
    run gets its share of the cores for OCR, as the command does (``settings.share_cores``)."""
    from invoice_pipeline import batch_workers, runner, settings
    from invoice_pipeline.definitions import build_definitions

    warm, samples = (samples[:2], samples[2:]) if len(samples) > 2 else ([], samples)
    # OCR_THREADS as it is now, put back afterwards (share_cores may set it)
    with pipeline_env(
        root, INVOICE_BATCH_SIZE=str(batch_size), OCR_THREADS=os.environ.get("OCR_THREADS")
    ):
        workers = settings.get().process_workers
        if share_cores:
            settings.share_cores(workers)
        threads = settings.get().ocr.threads
        defs = build_definitions()
        instance = runner.get_instance()
        try:
            with Stopwatch() as warm_sw:
                runner.process(
                    [str(s.path) for s in warm],
                    defs=defs,
                    instance=instance,
                    batch_size=1,
                    workers=workers,
                )
            with Stopwatch() as sw:
                records = runner.process(
                    [str(s.path) for s in samples], defs=defs, instance=instance, workers=workers
                )
        finally:
            instance.dispose()
            batch_workers.shutdown()
    statuses: dict[str, int] = defaultdict(int)
    for record in records:
        statuses[record.status] += 1
    return {
        "documents": len(samples),
        "pages": sum(s.pages for s in samples),
        "batch_size": batch_size,
        "workers": workers,
        "ocr_threads": threads,
        "warm_up_s": round(warm_sw.seconds, 2),
        "seconds": round(sw.seconds, 3),
        "cpu_seconds": round(sw.cpu_seconds, 3),
        "statuses": dict(statuses),
        "machine": machine_line(),
    }


def born_digital_process(root: Path, samples: list[Any], batch_size: int) -> dict[str, Any]:
    """Born-digital PDFs through ``runner.process`` (register, batch runs, table export)."""
    out = warm_then_process(root / "born_digital_process", samples, batch_size)
    documents, seconds = out["documents"], out["seconds"]
    out["ms_per_document"] = round(1000 * seconds / max(1, documents), 1)
    out["documents_per_hour"] = per_hour(documents, seconds)
    return out


def ocr_process(root: Path, samples: list[Any], batch_size: int) -> dict[str, Any]:
    """Scans and photos through ``runner.process``: ``INVOICE_PROCESS_WORKERS`` runs at
    once, each with its share of the cores for OCR (OCR_THREADS, unpinned), in batches
    that give every run about as many documents."""
    from invoice_pipeline import settings

    workers = settings.get().process_workers
    batch = max(1, min(batch_size, math.ceil(max(1, len(samples) - 2) / max(1, workers))))
    out = warm_then_process(root / "ocr_process", samples, batch, share_cores=True)
    out["pages_per_hour"] = per_hour(out["pages"], out["seconds"])
    return out


def scanned_pdf(path: Path, scans: list[Any], pages: int) -> Path:
    """One image-only PDF of ``pages`` pages cycled from the frames of ``scans``."""
    from PIL import Image, ImageSequence

    frames: list[Any] = []
    for sample in scans:
        with Image.open(sample.path) as img:
            frames += [f.convert("L") for f in ImageSequence.Iterator(img)]
    chosen = [frames[i % len(frames)] for i in range(pages)]
    chosen[0].save(path, "PDF", save_all=True, append_images=chosen[1:], resolution=200.0)
    return path


WORKER = """
import json, resource, sys, time
t0 = time.perf_counter()
from invoice_pipeline import runner
t1 = time.perf_counter()
[record] = runner.process([sys.argv[1]])
t2 = time.perf_counter()
def peak_rss_kib():
    # VmHWM: this process's own peak. getrusage's ru_maxrss is not: on Linux it starts from
    # the parent's RSS at fork and survives exec, so a worker started by a large bench
    # process would report the bench's size
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    scale = 1024 if sys.platform == "darwin" else 1  # bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale
print(json.dumps({"status": record.status, "start_s": t1 - t0, "process_s": t2 - t1,
                  "peak_rss_kib": peak_rss_kib()}))
"""


def run_worker_memory(root: Path, scans: list[Any], pages: int) -> dict[str, Any]:
    """A fresh ``invoice-pipeline process`` worker on one scanned PDF: its peak RSS."""
    folder = root / "big_pdf"
    folder.mkdir(parents=True, exist_ok=True)
    pdf = scanned_pdf(folder / f"scanned-{pages}-pages.pdf", scans, pages)
    with pipeline_env(folder / "env"):
        done = subprocess.run(
            [sys.executable, "-c", WORKER, str(pdf)], capture_output=True, text=True, check=True
        )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "pages": pages,
        "file_mib": round(pdf.stat().st_size / 1024 / 1024, 1),
        "status": figures["status"],
        "process_s": round(figures["process_s"], 2),
        "seconds_per_page": round(figures["process_s"] / pages, 3),
        "peak_rss_mib": round(figures["peak_rss_kib"] / 1024, 1),
        "machine": machine_line(),
    }


# --------------------------------------------------------------------- main


def measure(
    *,
    docs: int = 12,
    per_document_docs: int = 3,
    born_digital: int = 40,
    batch_size: int = 25,
    stable: float = 1.0,
    seed: int = 7,
    kinds: tuple[str, ...] = ("pdf", "scan", "photo"),
    drop_kinds: tuple[str, ...] = ("scan", "pdf", "photo"),
    with_cold_start: bool = True,
    with_warm_up: bool = True,
    workdir: Path | None = None,
    ocr_docs: int = 0,
    per_document_ocr_runs: bool = True,
    big_pdf_pages: int = 0,
) -> dict[str, Any]:
    """Run every phase and return the figures (also what ``throughput.json`` holds).

    ``ocr_docs`` scans and photos of both generators join the mix's; with
    ``per_document_ocr_runs`` they (and the mix's) run again one document per run;
    ``big_pdf_pages`` > 0 measures a run worker on a scanned PDF of that many pages.
    """
    quiet_logs()
    with tempfile.TemporaryDirectory(prefix="bench-throughput-", dir=workdir) as tmp:
        root = Path(tmp)
        with Stopwatch() as gen:
            inputs = generate_inputs(
                root,
                docs=docs,
                per_document=per_document_docs,
                born_digital=born_digital,
                seed=seed,
                kinds=kinds,
                drop_kinds=drop_kinds,
                ocr_docs=ocr_docs,
            )
        print(
            f"generated {docs} mixed, {ocr_docs} scans/photos (both generators), "
            f"{born_digital} born-digital and {per_document_docs} "
            f"drop files in {gen.seconds:.1f} s",
            flush=True,
        )
        report: dict[str, Any] = {
            "settings": {
                "docs": docs,
                "ocr_docs": ocr_docs,
                "big_pdf_pages": big_pdf_pages,
                "per_document": per_document_docs,
                "born_digital": born_digital,
                "batch_size": batch_size,
                "stable_seconds": stable,
                "seed": seed,
                "ocr_engine": "auto (text layer, else rapidocr)",
                "llm_provider": "rules",
            }
        }
        if with_cold_start:
            report["cold_start"] = cold_start()
        from invoice_pipeline.processing.ocr import get_engine

        with Stopwatch() as load:
            get_engine("rapidocr", "cpu")
        report["engine_load_s"] = round(load.seconds, 2)
        if with_warm_up:
            warm_sample = (inputs["born_digital"] or inputs["mix"] or inputs["drops"])[0]
            report["warm_up_s"] = warm_up(root, warm_sample)

        by_kind: dict[str, list[Any]] = {"scan": [], "photo": [], "pdf": []}
        for sample in [*inputs["mix"], *inputs["ocr"], *inputs["born_digital"]]:
            by_kind[sample.kind].append(sample)
        groups = {k: v for k, v in by_kind.items() if v}
        print(f"backfill: {sum(len(v) for v in groups.values())} documents ...", flush=True)
        back = backfill(root, groups, batch_size)
        bare = back.pop("bare_ocr")
        report["backfill"] = back
        report["bare_ocr"] = bare
        for kind, figures in bare.items():
            group = back["groups"][kind]
            if figures["seconds"]:
                figures["overhead_ratio"] = round(group["seconds"] / figures["seconds"], 3)
            if figures["cpu_seconds"]:
                figures["overhead_ratio_cpu"] = round(
                    group["cpu_seconds"] / figures["cpu_seconds"], 3
                )
        ocr_samples = [s for kind in OCR_GROUPS for s in groups.get(kind, [])]
        report["ocr_batch"] = ocr_summary(back, bare)
        if per_document_ocr_runs and ocr_samples:
            print(f"per-document runs: {len(ocr_samples)} scans and photos ...", flush=True)
            report["ocr_per_document"] = per_document_ocr(root, ocr_samples)
        if ocr_samples:
            print(f"process: {len(ocr_samples)} scans and photos ...", flush=True)
            report["ocr_process"] = ocr_process(root, ocr_samples, batch_size)
        if inputs["born_digital"]:
            print(f"process: {len(inputs['born_digital'])} born-digital ...", flush=True)
            report["born_digital_process"] = born_digital_process(
                root, inputs["born_digital"], batch_size
            )
        print(f"per-document runs: {len(inputs['drops'])} drops ...", flush=True)
        report["per_document"] = per_document(root, inputs["drops"], stable)
        report["drop_machine"] = machine_line()
        scans = [s for s in ocr_samples if s.kind == "scan"]
        if big_pdf_pages > 0 and scans:
            print(f"run worker: one scanned PDF of {big_pdf_pages} pages ...", flush=True)
            report["run_worker"] = run_worker_memory(root, scans[:10], big_pdf_pages)
        report["process_peak_rss_mib"] = max_rss_mib()
    report["targets"] = targets(report)
    report["goals"] = goals(report)
    return report


def ocr_summary(back: dict[str, Any], bare: dict[str, Any]) -> dict[str, Any]:
    """Scans and photos together: pipeline pages/h in batch runs against the bare engine's."""
    kinds = [k for k in OCR_GROUPS if k in back["groups"] and k in bare]
    pages = sum(back["groups"][k]["pages"] for k in kinds)
    seconds = sum(back["groups"][k]["seconds"] for k in kinds)
    bare_pages = sum(bare[k]["pages"] for k in kinds)
    bare_seconds = sum(bare[k]["seconds"] for k in kinds)
    return {
        "documents": sum(back["groups"][k]["documents"] for k in kinds),
        "pages": pages,
        "seconds": round(seconds, 3),
        "pages_per_hour": per_hour(pages, seconds),
        "bare_pages": bare_pages,
        "bare_seconds": round(bare_seconds, 3),
        "bare_pages_per_hour": per_hour(bare_pages, bare_seconds),
        "machine": back.get("ocr_machine", machine_line()),
    }


def _ratio(pipeline: float | None, bare: float | None) -> float | None:
    return round(pipeline / bare, 3) if pipeline and bare else None


def worst_scan_latency(report: dict[str, Any]) -> float | None:
    """The slowest dropped scan's seconds from drop to evaluation, or None."""
    scans = [
        r["latency_s"]
        for r in report["per_document"]["rows"]
        if r["kind"] == "scan" and r["latency_s"] is not None
    ]
    return max(scans) if scans else None


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    groups = report["backfill"]["groups"]
    rows = []
    scan = groups.get("scan")
    rows.append(
        {
            "what": "scanned pages per hour, backfill",
            "measured": scan and scan["pages_per_hour"],
            "target": f">= {TARGETS['scan_pages_per_hour']:,.0f}",
            "met": bool(scan and scan["pages_per_hour"] >= TARGETS["scan_pages_per_hour"]),
        }
    )
    ratio = report["bare_ocr"].get("scan", {}).get("overhead_ratio")
    rows.append(
        {
            "what": "pipeline / bare OCR, scans",
            "measured": ratio,
            "target": f"<= {TARGETS['scan_overhead_ratio']}",
            "met": bool(ratio and ratio <= TARGETS["scan_overhead_ratio"]),
        }
    )
    pdf = groups.get("pdf")
    rows.append(
        {
            "what": "born-digital invoices per hour, backfill",
            "measured": pdf and pdf["documents_per_hour"],
            "target": f">= {TARGETS['born_digital_per_hour']:,.0f}",
            "met": bool(pdf and pdf["documents_per_hour"] >= TARGETS["born_digital_per_hour"]),
        }
    )
    worst = worst_scan_latency(report)
    rows.append(
        {
            "what": "one dropped scan, drop -> evaluation (s)",
            "measured": worst,
            "target": f"<= {TARGETS['scan_drop_to_evaluation_s']:.0f}",
            "met": bool(worst is not None and worst <= TARGETS["scan_drop_to_evaluation_s"]),
        }
    )
    return rows


def goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 17's goals, each with the figures beside it and the machine it was measured on."""
    rows: list[dict[str, Any]] = []
    batch = report.get("ocr_batch") or {}
    ratio = _ratio(batch.get("pages_per_hour"), batch.get("bare_pages_per_hour"))
    rows.append(
        {
            "what": f"scans+photos, batch runs: pipeline / bare OCR pages/h ({batch.get('pages', 0)} pages)",
            "pipeline": batch.get("pages_per_hour"),
            "bare": batch.get("bare_pages_per_hour"),
            "measured": ratio,
            "goal": f">= {GOALS['ocr_ratio']}",
            "met": bool(ratio and ratio >= GOALS["ocr_ratio"]),
            "machine": batch.get("machine"),
        }
    )
    through = report.get("ocr_process")
    if through:
        ratio = _ratio(through["pages_per_hour"], batch.get("bare_pages_per_hour"))
        rows.append(
            {
                "what": f"scans+photos through process: pipeline / bare OCR pages/h "
                f"({through['pages']} pages, {through['workers']} runs at once, "
                f"OCR_THREADS={through['ocr_threads'] or 'default'})",
                "pipeline": through["pages_per_hour"],
                "bare": batch.get("bare_pages_per_hour"),
                "measured": ratio,
                "goal": f">= {GOALS['ocr_ratio']}",
                "met": bool(ratio and ratio >= GOALS["ocr_ratio"]),
                "machine": through["machine"],
            }
        )
    per_doc = report.get("ocr_per_document")
    if per_doc:
        bare = per_doc["bare_ocr"]
        bare_per_hour = per_hour(bare["pages"], bare["seconds"])
        ratio = _ratio(per_doc["pages_per_hour"], bare_per_hour)
        rows.append(
            {
                "what": f"scans+photos, per-document runs: pipeline / bare OCR pages/h ({per_doc['pages']} pages)",
                "pipeline": per_doc["pages_per_hour"],
                "bare": bare_per_hour,
                "measured": ratio,
                "goal": f">= {GOALS['ocr_ratio']}",
                "met": bool(ratio and ratio >= GOALS["ocr_ratio"]),
                "machine": per_doc["machine"],
            }
        )
    process = report.get("born_digital_process")
    if process:
        rows.append(
            {
                "what": f"born-digital invoices/h through process ({process['documents']} PDFs, "
                f"{process['ms_per_document']} ms each, "
                f"{process.get('workers', 1)} runs at once)",
                "pipeline": process["documents_per_hour"],
                "bare": None,
                "measured": process["documents_per_hour"],
                "goal": f">= {GOALS['born_digital_process_per_hour']:,.0f}",
                "met": process["documents_per_hour"] >= GOALS["born_digital_process_per_hour"],
                "machine": process["machine"],
            }
        )
    worker = report.get("run_worker")
    if worker:
        rows.append(
            {
                "what": f"run worker peak memory (MiB), one scanned PDF of {worker['pages']} pages",
                "pipeline": None,
                "bare": None,
                "measured": worker["peak_rss_mib"],
                "goal": f"<= {GOALS['run_worker_peak_mib']:,.0f}",
                "met": worker["peak_rss_mib"] <= GOALS["run_worker_peak_mib"],
                "machine": worker["machine"],
            }
        )
    worst = worst_scan_latency(report)
    rows.append(
        {
            "what": "one dropped scan, drop -> evaluation (s)",
            "pipeline": None,
            "bare": None,
            "measured": worst,
            "goal": f"<= {GOALS['scan_drop_to_evaluation_s']:.0f}",
            "met": bool(worst is not None and worst <= GOALS["scan_drop_to_evaluation_s"]),
            "machine": report.get("drop_machine"),
        }
    )
    return rows


def print_report(report: dict[str, Any]) -> None:
    back = report["backfill"]
    rows = []
    for kind, g in back["groups"].items():
        bare = report["bare_ocr"].get(kind, {})
        rows.append(
            [
                GROUP_LABELS[kind],
                g["documents"],
                g["pages"],
                g["seconds"],
                g["seconds"] / g["documents"],
                g["documents_per_hour"],
                g["pages_per_hour"],
                bare.get("seconds"),
                bare.get("overhead_ratio"),
                bare.get("overhead_ratio_cpu"),
            ]
        )
    total_docs = sum(g["documents"] for g in back["groups"].values())
    total_pages = sum(g["pages"] for g in back["groups"].values())
    total_s = sum(g["seconds"] for g in back["groups"].values()) + back["register_s"]
    total_s += back["table_export_s"]
    rows.append(
        [
            "all (+register, table)",
            total_docs,
            total_pages,
            total_s,
            total_s / max(1, total_docs),
            per_hour(total_docs, total_s),
            per_hour(total_pages, total_s),
            None,
            None,
            None,
        ]
    )
    print_table(
        ["backfill", "docs", "pages", "s", "s/doc", "docs/h", "pages/h", "bare OCR s"]
        + ["ratio", "CPU ratio"],
        rows,
        title=f"Backfill: runs of up to {back['batch_size']} documents (peak RSS "
        f"{back['peak_rss_mib']:.0f} MiB, statuses {back['statuses']})",
    )

    stage_rows = []
    for kind, g in back["groups"].items():
        per_doc = [g["stage_seconds"].get(s, 0.0) / g["documents"] for s in STAGES]
        stage_rows.append(
            [f"backfill {GROUP_LABELS[kind]}", *per_doc, g["run_overhead_s"] / g["documents"]]
        )
    pd = report["per_document"]
    for kind in ("scan", "photo", "pdf"):
        mine = [r for r in pd["rows"] if r["kind"] == kind]
        if mine:
            per_doc = [
                sum(r["stage_seconds"].get(s, 0.0) for r in mine) / len(mine) for s in STAGES
            ]
            overhead = sum(r["run_overhead_s"] for r in mine) / len(mine)
            stage_rows.append([f"per-doc {GROUP_LABELS[kind]}", *per_doc, overhead])
    print_table(
        ["seconds per document", *STAGES, "outside steps"],
        stage_rows,
        title="Time per stage (Dagster step statistics), per document",
    )

    print_table(
        ["drop", "kind", "pages", "ticks", "tick s", "taken after s", "run s", "latency s"],
        [
            [r["file"], r["kind"], r["pages"], r["ticks"], r["tick_s"], r["taken_after_s"]]
            + [r["run_s"], r["latency_s"]]
            for r in pd["rows"]
        ],
        title=f"Per-document runs (sensor path, INVOICE_STABLE_SECONDS={pd['stable_seconds']}): "
        f"p50 {pd['latency_p50_s']} s, p95 {pd['latency_p95_s']} s drop -> evaluation; "
        f"{pd['documents_per_hour'] or 0:,.0f} docs/h busy; peak RSS {pd['peak_rss_mib']:.0f} MiB",
    )
    cold = report.get("cold_start")
    if cold:
        print(
            f"\ncold start of a run process (what each run launched by the daemon pays): "
            f"{cold['process_s']} s = interpreter {cold['interpreter_s']} + imports "
            f"{cold['imports_s']} + rapidocr model load {cold['model_load_s']}"
        )
    print(
        f"in this process: engine load {report['engine_load_s']} s, warm-up document "
        f"{report.get('warm_up_s', '-')} s, peak RSS {report['process_peak_rss_mib']:.0f} MiB"
    )
    for kind, bare in report["bare_ocr"].items():
        print(
            f"bare OCR {GROUP_LABELS[kind]}: {bare['pages']} pages, {bare['seconds_per_page']} s/page, "
            f"same text as the pipeline on {bare['same_text_as_pipeline']} of {bare['pages']}"
        )
    print_table(
        ["target", "measured", "target", "met"],
        [[t["what"], t["measured"], t["target"], t["met"]] for t in report["targets"]],
        title="Targets (issue 8)",
    )
    worker = report.get("run_worker")
    if worker:
        print(
            f"\nrun worker on a {worker['pages']}-page scanned PDF ({worker['file_mib']} MiB): "
            f"{worker['process_s']} s ({worker['seconds_per_page']} s/page), status "
            f"{worker['status']}, peak RSS {worker['peak_rss_mib']} MiB"
        )
    print_table(
        ["goal", "pipeline", "bare OCR", "measured", "goal", "met", "machine (cores, CPU, load)"],
        [
            [g["what"], g["pipeline"], g["bare"], g["measured"], g["goal"], g["met"], g["machine"]]
            for g in report.get("goals", [])
        ],
        title="Goals (issue 17), side by side in this run",
    )


def chart(report: dict[str, Any], path: Path) -> Path | None:
    back = report["backfill"]
    series: dict[str, list[float | None]] = {}
    for kind, g in back["groups"].items():
        series[f"backfill {GROUP_LABELS[kind]}"] = [
            g["stage_seconds"].get(s, 0.0) / g["documents"] for s in STAGES
        ] + [g["run_overhead_s"] / g["documents"]]
    rows = report["per_document"]["rows"]
    if rows:
        series["per-document runs (all kinds)"] = [
            sum(r["stage_seconds"].get(s, 0.0) for r in rows) / len(rows) for s in STAGES
        ] + [sum(r["run_overhead_s"] for r in rows) / len(rows)]
    return bar_chart(
        path,
        "Seconds per document and stage",
        [*STAGES, "outside steps"],
        series,
        ylabel="seconds per document",
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="every phase at a tiny size")
    parser.add_argument("--docs", type=int, default=12, help="mixed documents (pdf, scan, photo)")
    parser.add_argument(
        "--ocr-docs", type=int, default=40, help="extra scans and photos, both generators"
    )
    parser.add_argument(
        "--big-pdf-pages", type=int, default=50, help="pages of the run worker's scanned PDF"
    )
    parser.add_argument(
        "--no-per-document-ocr", action="store_true", help="skip the per-document OCR runs"
    )
    parser.add_argument(
        "--per-document", type=int, default=3, help="documents dropped one at a time"
    )
    parser.add_argument("--born-digital", type=int, default=100, help="extra born-digital PDFs")
    parser.add_argument("--batch-size", type=int, default=25, help="INVOICE_BATCH_SIZE")
    parser.add_argument("--stable", type=float, default=1.0, help="INVOICE_STABLE_SECONDS")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-cold-start", action="store_true")


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    return measure(
        docs=args.docs,
        ocr_docs=args.ocr_docs,
        big_pdf_pages=args.big_pdf_pages,
        per_document_ocr_runs=not args.no_per_document_ocr,
        per_document_docs=args.per_document,
        born_digital=args.born_digital,
        batch_size=args.batch_size,
        stable=args.stable,
        seed=args.seed,
        with_cold_start=not args.no_cold_start,
    )


def _exit_status(report: dict[str, Any]) -> int:
    failed = report["backfill"]["failed_runs"] + report["per_document"]["failed_runs"]
    failed += report.get("ocr_per_document", {}).get("failed_runs", 0)
    if failed:
        print(f"{failed} run(s) failed", file=sys.stderr)
    return 1 if failed else 0


BENCHMARK = Benchmark(
    name="throughput",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    chart=chart,
    exit_status=_exit_status,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
