"""Every benchmark at its default size, one after the other: ``python -m bench``.

Usage: ``python -m bench [--quick] [--only throughput,accuracy] [--data ../shared/data]
[--results bench/results]`` (``bench/run_all.sh`` runs the same with the venv's Python).

Each benchmark runs in its own interpreter (fresh memory figures, no state
carried from one to the next) and writes its JSON and PNG to the results
folder; the accuracy benchmark gets a freshly generated corpus (born-digital,
scans, photos) plus ``invoice2data`` and ``zugferd-dev`` from ``--data`` where
those folders exist. At the end it prints how long each took, writes
``run_all.json`` and the README's results table as ``summary.md``
(``python -m bench.report``). ``--quick`` runs tiny sizes, to check that
everything works in a few minutes; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python bench/__main__.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    REPO_ROOT,
    RESULTS_DIR,
    load_average,
    print_table,
    write_json,
)

ORDER = (
    "sensor_tick",
    "einvoice_accuracy",
    "dagster_overhead",
    "profile_pipeline",
    "ocr_engines",
    "throughput",
    "daemon_backfill",
    "accuracy",
    "vendor_memory",
)
QUICK = {
    "sensor_tick": ["--sizes", "200", "1000"],
    "dagster_overhead": ["--per-doc", "2", "--batch", "4", "--per-doc-multiprocess", "1"],
    "profile_pipeline": ["--docs", "3", "--backlog", "100", "--no-compare"],
    "ocr_engines": ["--scans", "1", "--photos", "1", "--fast-path-docs", "3", "--no-ablation"],
    "throughput": ["--quick"],
    "daemon_backfill": ["--docs", "6", "--batch-size", "3"],
    "vendor_memory": ["--vendors", "2", "--per-vendor", "2"],
}
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"


def commands(
    results: Path, data: Path, corpus: Path, quick: bool
) -> dict[str, list[list[str]] | str]:
    """name -> the command lines to run (or a reason to skip it)."""
    py = sys.executable
    out: dict[str, list[list[str]] | str] = {}
    for name in (
        "sensor_tick",
        "dagster_overhead",
        "profile_pipeline",
        "ocr_engines",
        "throughput",
        "daemon_backfill",
        "vendor_memory",
    ):
        out[name] = [
            [
                py,
                f"bench/{name}.py",
                "--results",
                str(results),
                *(QUICK.get(name, []) if quick else []),
            ]
        ]
    zugferd = data / "zugferd-dev"
    out["einvoice_accuracy"] = (
        [
            [
                py,
                "bench/einvoice_accuracy.py",
                str(zugferd),
                "--results",
                str(results),
            ]
        ]
        if zugferd.is_dir()
        else f"{zugferd} not found"
    )
    shared = [str(data / d) for d in ("invoice2data", "zugferd-dev") if (data / d).is_dir()]
    generate = [
        py,
        "-m",
        "invoice_pipeline.samples",
        str(corpus),
        "--count",
        "3" if quick else "9",
        "--kinds",
        "pdf,scan,photo",
    ]
    accuracy = [py, "bench/accuracy.py", str(corpus), *shared, "--results", str(results)]
    if quick:
        accuracy += ["--limit", "3"]
    out["accuracy"] = [generate, accuracy]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a check, not figures")
    parser.add_argument("--only", default="", help=f"comma list out of {', '.join(ORDER)}")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared/data folder")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(ORDER)
    unknown = [n for n in chosen if n not in ORDER]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(ORDER)}")
    args.results.mkdir(parents=True, exist_ok=True)
    before = load_average()
    rows: list[dict[str, object]] = []
    started_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
        plan = commands(args.results.resolve(), args.data, Path(tmp) / "corpus", args.quick)
        for name in ORDER:
            if name not in chosen:
                continue
            steps = plan[name]
            if isinstance(steps, str):
                print(f"\n### {name}: skipped ({steps})", flush=True)
                rows.append({"benchmark": name, "seconds": 0.0, "rc": None, "note": steps})
                continue
            print(f"\n### {name}: {' '.join(steps[-1][1:])}", flush=True)
            started = time.perf_counter()
            rc = 0
            for command in steps:
                rc = subprocess.run(command, cwd=REPO_ROOT).returncode
                if rc:
                    break
            rows.append(
                {
                    "benchmark": name,
                    "seconds": round(time.perf_counter() - started, 1),
                    "rc": rc,
                    "note": "" if rc == 0 else "non-zero exit (see its output)",
                }
            )
    total = time.perf_counter() - started_all
    print_table(
        ["benchmark", "seconds", "exit", "note"],
        [[r["benchmark"], r["seconds"], r["rc"], r["note"]] for r in rows]
        + [["total", round(total, 1), None, "target: under 15 minutes at default sizes"]],
        title="python -m bench" + (" --quick" if args.quick else ""),
    )
    write_json(
        "run_all",
        {"quick": args.quick, "total_seconds": round(total, 1), "benchmarks": rows},
        folder=args.results,
        load_before=before,
    )
    from bench.report import markdown

    summary = args.results / "summary.md"
    summary.write_text(markdown(args.results))
    print(f"wrote {summary} (the README's results table)")
    return 0 if all(r["rc"] in (0, None) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
