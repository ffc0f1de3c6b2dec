"""Sensor tick time against inbox size: ``python bench/sensor_tick.py [--sizes 1000 10000]``.

For each size, a temporary inbox is filled with that many small distinct
files (PDF magic, in 20 subfolders) and ``drop_folder_sensor`` is evaluated
the way the daemon does (``evaluate_tick`` on a real SQLite instance, the
dynamic partitions applied between ticks). Three ticks are timed: the
*first sight* (every file listed and remembered, nothing stable yet), an
*unchanged* tick right after it (every file listed and compared, none stable
yet), and two *taking* ticks (every file now stable: the per-tick cap of them
hashed, typed, registered and requested each time, the rest left waiting).
The target is a tick under 5 s with 10,000 files waiting. Prints a table and writes JSON to
``bench/results/sensor_tick.json`` (``--results DIR`` for another folder).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/sensor_tick.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._main import Benchmark, run_benchmark  # noqa: E402

TARGET_SECONDS = 5.0


def _fill(inbox: Path, count: int) -> None:
    for i in range(count):
        folder = inbox / f"vendor-{i % 20:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"invoice-{i:06d}.pdf").write_bytes(f"%PDF-1.4\n% invoice {i}\n".encode())


def measure(count: int, cap: int, stable: float) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="sensor-bench-") as tmp:
        root = Path(tmp)
        for name in ("inbox", "storage", "home"):
            (root / name).mkdir()
        os.environ.update(
            INVOICE_INBOX=str(root / "inbox"),
            INVOICE_STORAGE=str(root / "storage"),
            DAGSTER_HOME=str(root / "home"),
            INVOICE_RESULTS_DB_URL=f"sqlite:///{root / 'results.sqlite'}",
            INVOICE_STABLE_SECONDS=str(stable),
            INVOICE_SENSOR_MAX_PER_TICK=str(cap),
        )
        import dagster as dg

        from invoice_pipeline.definitions import build_definitions
        from invoice_pipeline.sensors import drop_folder_sensor

        started = time.perf_counter()
        _fill(root / "inbox", count)
        fill_s = time.perf_counter() - started
        defs = build_definitions()
        timings: dict[str, float | int] = {"files": count, "cap": cap, "fill_s": round(fill_s, 2)}
        with dg.instance_for_test(temp_dir=str(root / "home")) as instance:
            cursor = None
            for label in ("first_sight_s", "unchanged_s", "taking_s", "taking_again_s"):
                if label == "taking_s":
                    time.sleep(stable + 0.05)
                context = dg.build_sensor_context(
                    instance=instance,
                    instance_ref=instance.get_ref(),
                    cursor=cursor,
                    definitions=defs,
                )
                tick_started = time.perf_counter()
                data = drop_folder_sensor.evaluate_tick(context)
                timings[label] = round(time.perf_counter() - tick_started, 3)
                for request in data.dynamic_partitions_requests or []:
                    instance.add_dynamic_partitions(
                        request.partitions_def_name, list(request.partition_keys)
                    )
                if label.startswith("taking"):
                    timings["requested"] = int(timings.get("requested", 0)) + len(data.run_requests)
                cursor = data.cursor
        state = sorted((root / "storage" / "inbox-state").glob("*/*.json"))
        timings["cursor_bytes"] = len(cursor or "")
        timings["state_bytes"] = state[-1].stat().st_size if state else 0
        return timings


TICKS = ("first_sight_s", "unchanged_s", "taking_s", "taking_again_s")


def slowest_tick(report: dict[str, Any]) -> float:
    """The slowest of the timed ticks over every size, seconds."""
    return max(float(r[label]) for r in report["rows"] for label in TICKS)


def print_report(report: dict[str, Any]) -> None:
    rows = report["rows"]
    header = (
        f"{'files':>7} {'first sight s':>13} {'unchanged s':>11} {'taking s':>9} "
        f"{'taking again s':>14} {'requested':>9} {'cursor B':>8} {'state KB':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['files']:>7} {row['first_sight_s']:>13.3f} {row['unchanged_s']:>11.3f} "
            f"{row['taking_s']:>9.3f} {row['taking_again_s']:>14.3f} {row['requested']:>9} "
            f"{row['cursor_bytes']:>8} {int(row['state_bytes']) / 1024:>8.1f}"
        )
    worst = slowest_tick(report)
    verdict = "meets" if worst < TARGET_SECONDS else "MISSES"
    print(f"slowest tick {worst:.2f}s: {verdict} the {TARGET_SECONDS:.0f} s target")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--cap", type=int, default=200, help="INVOICE_SENSOR_MAX_PER_TICK")
    parser.add_argument("--stable", type=float, default=0.5, help="INVOICE_STABLE_SECONDS")


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    measure(50, args.cap, args.stable)  # warm-up: imports and first-use caches
    rows = [measure(size, args.cap, args.stable) for size in args.sizes]
    return {"target_seconds": TARGET_SECONDS, "rows": rows}


BENCHMARK = Benchmark(
    name="sensor_tick",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    exit_status=lambda report: 0 if slowest_tick(report) < TARGET_SECONDS else 1,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
