"""Born-digital invoices an hour through a backfill run by the real Dagster daemon.

Usage: ``python bench/daemon_backfill.py [--docs 200] [--batch-size 25] [--max-runs 2]``.

Issue 17's goal: at least 30,000 born-digital invoices an hour through a backfill the daemon
runs. Generated born-digital PDFs are registered as partitions of a temporary embedded
instance (``runner.register``, as ``invoice-pipeline process`` and the sensor do), then
``dagster-daemon run -w workspace.yaml`` is started for real and, once its heartbeat is in,
one asset backfill of the six assets over every document is added
(``invoice_pipeline.backfill.launch_backfill``, what ``invoice-pipeline backfill`` does).
The backfill daemon cuts it into runs of ``--batch-size`` documents (the assets' multi-run
policy), the queued run coordinator starts ``--max-runs`` at a time, and each run is a
fresh process (Dagster's default run launcher), so every run pays its cold start, as in
production. The clock runs from adding the backfill to the daemon marking it complete
(the backfill daemon looks every 30 s, Dagster's fixed interval, so up to a minute of a
small backfill is waiting); the figure is documents an hour, with documents an hour
from the first run's start to the last run's end and the runs' own times beside it. Prints a table and writes
``bench/results/daemon_backfill.json``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/daemon_backfill.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import pipeline_env, print_table  # noqa: E402
from bench._main import Benchmark, run_benchmark  # noqa: E402

GOAL_PER_HOUR = 30_000.0
REPO = Path(__file__).resolve().parents[1]


def _daemon_command() -> str:
    """``dagster-daemon`` of this interpreter's environment (a virtual one need not be active)."""
    beside = Path(sys.executable).with_name("dagster-daemon")
    return str(beside) if beside.exists() else "dagster-daemon"


def _wait_for_heartbeat(instance: Any, daemon: subprocess.Popen[bytes], limit: float) -> float:
    """Seconds until the daemon's backfill loop has reported in."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if daemon.poll() is not None:
            raise RuntimeError(f"dagster-daemon exited with {daemon.returncode}")
        beats = instance.get_daemon_heartbeats()
        if "BACKFILL" in beats and "QUEUED_RUN_COORDINATOR" in beats:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError("dagster-daemon sent no heartbeat")


def measure(docs: int, batch_size: int, max_runs: int, seed: int, limit: float) -> dict[str, Any]:
    from invoice_pipeline.samples import generate_corpus

    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp:
        root = Path(tmp)
        samples = generate_corpus(root / "pdfs", docs, seed=seed, kinds=("pdf",))
        with pipeline_env(root / "env", INVOICE_BATCH_SIZE=str(batch_size)) as paths:
            home = paths["home"]
            from dagster import DagsterRunStatus, RunsFilter
            from dagster._core.execution.backfill import BulkActionStatus

            from invoice_pipeline import backfill, runner, settings
            from invoice_pipeline.definitions import build_definitions
            from invoice_pipeline.processing.intake.store import DocumentStore

            instance = runner.get_instance()  # writes the embedded dagster.yaml
            with (home / "dagster.yaml").open("a") as yaml:
                yaml.write(
                    "run_queue:\n"
                    f"  max_concurrent_runs: {max_runs}\n"
                    "run_monitoring:\n  enabled: false\n"
                )
            instance.dispose()
            instance = runner.get_instance()
            store = DocumentStore(settings.get().storage_root)
            files = runner.collect_files([str(s.path) for s in samples])
            keys = [r.entry.document_id for r in runner.register(instance, store, files) if r.entry]
            defs = build_definitions()
            log = (root / "daemon.log").open("wb")
            daemon = subprocess.Popen(
                [_daemon_command(), "run", "-w", "workspace.yaml"],
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                ready_s = _wait_for_heartbeat(instance, daemon, 120)
                started = time.monotonic()
                backfill_id = backfill.launch_backfill(instance, keys, defs=defs)
                status = None
                while time.monotonic() - started < limit:
                    found = instance.get_backfill(backfill_id)
                    status = found.status if found else None
                    if status not in (BulkActionStatus.REQUESTED, None):
                        break
                    time.sleep(0.25)
                elapsed = time.monotonic() - started
            finally:
                os.killpg(daemon.pid, signal.SIGTERM)
                try:
                    daemon.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(daemon.pid, signal.SIGKILL)
                log.close()
            records = instance.get_run_records(RunsFilter(tags={"dagster/backfill": backfill_id}))
            run_seconds = sorted(
                (r.end_time or 0) - (r.start_time or 0)
                for r in records
                if r.dagster_run.status == DagsterRunStatus.SUCCESS
            )
            starts = [r.start_time for r in records if r.start_time]
            ends = [r.end_time for r in records if r.end_time]
            running_s = max(ends) - min(starts) if starts and ends else None
            statuses: dict[str, int] = {}
            for record in records:
                name = record.dagster_run.status.value
                statuses[name] = statuses.get(name, 0) + 1
            instance.dispose()
            tail = (root / "daemon.log").read_text(errors="replace")[-2000:]
    done = str(status) == str(BulkActionStatus.COMPLETED_SUCCESS)
    return {
        "documents": len(keys),
        "batch_size": batch_size,
        "max_concurrent_runs": max_runs,
        "daemon_ready_s": round(ready_s, 2),
        "seconds": round(elapsed, 2),
        "backfill_status": str(status),
        "completed": done,
        "documents_per_hour": round(3600 * len(keys) / elapsed) if done else None,
        "runs_span_s": round(running_s, 2) if running_s else None,
        "documents_per_hour_while_running": round(3600 * len(keys) / running_s)
        if done and running_s
        else None,
        "runs": statuses,
        "run_seconds_min_median_max": [
            round(run_seconds[0], 2),
            round(run_seconds[len(run_seconds) // 2], 2),
            round(run_seconds[-1], 2),
        ]
        if run_seconds
        else [],
        "daemon_log_tail": None if done else tail,
    }


def print_report(report: dict[str, Any]) -> None:
    r = report["result"]
    print_table(
        [
            "documents",
            "runs",
            "max at once",
            "seconds",
            "docs/h",
            "goal",
            "met",
            "first run start to last run end s (docs/h)",
            "run s (min/med/max)",
        ],
        [
            [
                r["documents"],
                ", ".join(f"{k} {v}" for k, v in r["runs"].items()),
                r["max_concurrent_runs"],
                r["seconds"],
                f"{r['documents_per_hour']:,}" if r["documents_per_hour"] else "-",
                f">= {GOAL_PER_HOUR:,.0f}",
                "yes" if met(report) else "no",
                f"{r['runs_span_s']} ({r['documents_per_hour_while_running'] or 0:,})",
                " / ".join(str(x) for x in r["run_seconds_min_median_max"]),
            ]
        ],
    )
    if r["daemon_log_tail"]:
        print(f"backfill {r['backfill_status']}; the daemon's log ends:\n{r['daemon_log_tail']}")


def met(report: dict[str, Any]) -> bool:
    per_hour = report["result"]["documents_per_hour"]
    return bool(per_hour and per_hour >= GOAL_PER_HOUR)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", type=int, default=200, help="born-digital PDFs")
    parser.add_argument("--batch-size", type=int, default=25, help="INVOICE_BATCH_SIZE")
    parser.add_argument("--max-runs", type=int, default=2, help="runs the queue starts at once")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--limit", type=float, default=900.0, help="seconds to wait at most")


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    result = measure(args.docs, args.batch_size, args.max_runs, args.seed, args.limit)
    return {"goal_per_hour": GOAL_PER_HOUR, "result": result}


BENCHMARK = Benchmark(
    name="daemon_backfill",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    exit_status=lambda report: 0 if report["result"]["completed"] else 1,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
