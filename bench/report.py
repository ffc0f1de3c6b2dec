"""The README's results table, from the JSON files the benchmarks wrote.

Usage: ``python -m bench.report [--results bench/results]``: prints a Markdown
table (figure, measured, target, command) from ``throughput.json``,
``dagster_overhead.json``, ``ocr_engines.json``, ``accuracy.json``,
``profile_pipeline.json``, ``sensor_tick.json`` and ``einvoice_accuracy.json``,
whichever exist, with the machine and its load while they were measured.
``python -m bench`` writes it to ``bench/results/summary.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/report.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import RESULTS_DIR  # noqa: E402


def _load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _num(value: Any, digits: int = 2, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, int | float) and abs(value) >= 1000:
        return f"{value:,.0f}{suffix}"
    return f"{value:.{digits}f}{suffix}"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value:.1%}"


def _note(data: dict[str, Any]) -> str:
    """Where, when and under what load one result file was measured."""
    machine = data.get("machine", {})
    return (
        f"`{data.get('benchmark')}`: {data.get('measured_at')}, {machine.get('cpus')} CPUs, "
        f"{data.get('load_note', 'load unknown')}"
    )


def _throughput_rows(t: dict[str, Any]) -> list[list[str]]:
    """The table rows of ``throughput.json``."""
    out: list[list[str]] = []
    cmd = "`python bench/throughput.py`"
    groups = t["backfill"]["groups"]
    targets = {r["what"]: r for r in t["targets"]}
    if "scan" in groups:
        out.append(
            [
                "scanned pages per hour, backfill",
                _num(groups["scan"]["pages_per_hour"], 0),
                ">= 1,500",
                cmd,
            ]
        )
    scan_bare = t["bare_ocr"].get("scan", {})
    out.append(
        [
            "pipeline / bare OCR, scans",
            _num(scan_bare.get("overhead_ratio")),
            "<= 1.25",
            cmd,
        ]
    )
    if "photo" in groups:
        out.append(
            [
                "photo pages per hour, backfill (pipeline / bare OCR)",
                f"{_num(groups['photo']['pages_per_hour'], 0)} "
                f"({_num(t['bare_ocr'].get('photo', {}).get('overhead_ratio'))})",
                "-",
                cmd,
            ]
        )
    if "pdf" in groups:
        out.append(
            [
                "born-digital invoices per hour, backfill",
                _num(groups["pdf"]["documents_per_hour"], 0),
                ">= 10,000",
                cmd,
            ]
        )
    worst = targets.get("one dropped scan, drop -> evaluation (s)", {}).get("measured")
    pd = t["per_document"]
    out.append(
        [
            "one dropped scan, drop to evaluation (s)",
            _num(worst, 1),
            "<= 10",
            cmd,
        ]
    )
    out.append(
        [
            f"per-document runs, drop to evaluation p50 / p95 (s) "
            f"(stable {pd['stable_seconds']} s)",
            f"{_num(pd['latency_p50_s'], 1)} / {_num(pd['latency_p95_s'], 1)}",
            "-",
            cmd,
        ]
    )
    cold = t.get("cold_start")
    if cold:
        out.append(
            [
                "cold start of a run process: interpreter + imports + model (s)",
                f"{_num(cold['process_s'], 1)} ({_num(cold['interpreter_s'], 1)} + "
                f"{_num(cold['imports_s'], 1)} + {_num(cold['model_load_s'], 1)})",
                "-",
                cmd,
            ]
        )
    out.append(
        [
            "peak memory, backfill (MiB RSS)",
            _num(t["backfill"]["peak_rss_mib"], 0),
            "-",
            cmd,
        ]
    )
    for goal in t.get("goals", []):  # issue 17, each measured with the machine's load
        if goal["what"].startswith("one dropped scan"):
            continue  # the row above
        figures = _num(goal["measured"], 2 if isinstance(goal["measured"], float) else 0)
        if goal.get("pipeline") is not None and goal.get("bare") is not None:
            figures += f" ({_num(goal['pipeline'], 0)} / {_num(goal['bare'], 0)})"
        out.append([f"{goal['what']} [{goal['machine']}]", figures, goal["goal"], cmd])
    return out


def _overhead_rows(o: dict[str, Any]) -> list[list[str]]:
    """The table rows of ``dagster_overhead.json``."""
    out: list[list[str]] = []
    cmd = "`python bench/dagster_overhead.py`"
    for c in o["cells"]:
        label = f"Dagster per document, {c['variant']} assets, {c['storage']}, {c['executor']}"
        out.append(
            [
                f"{label}: per-document run / in a batch of {c['batch_documents']} (s)",
                f"{_num(c['per_document_run_s'])} / {_num(c['batch_per_doc_s'], 3)}",
                "<= 0.7 / <= 0.15",
                cmd,
            ]
        )
    for storage, reason in o.get("skipped", {}).items():
        out.append([f"Dagster per document on {storage}", f"skipped: {reason}", "-", cmd])
    return out


def _profile_rows(p: dict[str, Any]) -> list[list[str]]:
    """The table rows of ``profile_pipeline.json``."""
    out: list[list[str]] = []
    cmd = "`python bench/profile_pipeline.py`"
    layers = p["profile"]["layers"]
    top = ", ".join(f"{k} {v['share']:.0%}" for k, v in list(layers.items())[:3])
    out.append(
        [
            f"profile of a born-digital batch ({p['settings']['docs']} docs): top layers",
            top,
            "-",
            cmd,
        ]
    )
    if "before" in p:
        b, a = p["before"], p["after"]
        out.append(
            [
                "that batch without / with the metadata and IO-manager bypasses (s/doc)",
                f"{_num(b['seconds'] / b['documents'])} / {_num(a['seconds'] / a['documents'])}",
                "-",
                cmd,
            ]
        )
    return out


def _ocr_rows(e: dict[str, Any]) -> list[list[str]]:
    """The table rows of ``ocr_engines.json``."""
    out: list[list[str]] = []
    cmd = "`python bench/ocr_engines.py`"
    for r in e["engines"]:
        if "skipped" in r:
            out.append([f"OCR {r['engine']}", "not installed here", "-", cmd])
            continue
        target = "<= 1.5 s, < 2%" if r["engine"] == "rapidocr" and r["kind"] == "scan" else "-"
        out.append(
            [
                f"OCR {r['engine']} on generated {r['kind']}s: s/page, CER ({r['pages']} pages)",
                f"{_num(r['ocr_s_per_page'])} s, {_pct(r['cer_mean'])}",
                target,
                cmd,
            ]
        )
    fp = e.get("fast_path")
    if fp:
        out.append(
            [
                "born-digital fast path (no Dagster), s/page",
                _num(fp["seconds_per_page"], 3),
                "-",
                cmd,
            ]
        )
    for r in e.get("ablation", []):
        if r["config"] in ("defaults", "all steps off"):
            out.append(
                [
                    f"preprocessing {r['config']}: CER scans / photos ({r['engine']})",
                    f"{_pct(r.get('scan', {}).get('cer_mean'))} / "
                    f"{_pct(r.get('photo', {}).get('cer_mean'))}",
                    "-",
                    cmd,
                ]
            )
    return out


def _accuracy_rows(a: dict[str, Any]) -> list[list[str]]:
    """The table rows of ``accuracy.json``."""
    out: list[list[str]] = []
    cmd = "`python bench/accuracy.py DIR...`"
    for run in a["runs"]:
        for group, s in run["groups"].items():
            engine = "" if run["engine"] == "auto" else f", {run['engine']}"
            out.append(
                [
                    f"accuracy {run['dataset']} {group}{engine} ({s['documents']} docs): "
                    "all key fields / items F1 / approved / approved precision",
                    f"{_pct(s['all_key_fields_right'])} / {_pct(s['line_items']['f1'])} / "
                    f"{_pct(s['approved_rate'])} / {_pct(s['approved_precision'])}",
                    "-",
                    cmd,
                ]
            )
    return out


def _sensor_note(s: dict[str, Any]) -> str:
    return f"`sensor_tick`: {s.get('measured_at')}, {s.get('machine', {}).get('cpus')} CPUs"


def _sensor_rows(s: dict[str, Any]) -> list[list[str]]:
    """The table rows of ``sensor_tick.json``."""
    out: list[list[str]] = []
    worst = max(
        float(r[k])
        for r in s["rows"]
        for k in ("first_sight_s", "unchanged_s", "taking_s", "taking_again_s")
    )
    biggest = max(r["files"] for r in s["rows"])
    out.append(
        [
            f"sensor tick, slowest, {biggest:,} files waiting (s)",
            _num(worst),
            "< 5",
            "`python bench/sensor_tick.py`",
        ]
    )
    return out


def _einvoice_rows(x: dict[str, Any]) -> list[list[str]]:
    """The table rows of ``einvoice_accuracy.json``."""
    out: list[list[str]] = []
    fields = x.get("fields", {})
    right = sum(f["right"] for f in fields.values())
    total = sum(f["labelled"] for f in fields.values())
    out.append(
        [
            f"e-invoice XML fields right (zugferd-dev, {x.get('xml_found')} XML)",
            _pct(right / total if total else None),
            "-",
            "`python bench/einvoice_accuracy.py DIR`",
        ]
    )
    return out


SECTIONS: tuple[
    tuple[str, Callable[[dict[str, Any]], list[list[str]]], Callable[[dict[str, Any]], str] | None],
    ...,
] = (
    ("throughput", _throughput_rows, _note),
    ("dagster_overhead", _overhead_rows, _note),
    ("profile_pipeline", _profile_rows, _note),
    ("ocr_engines", _ocr_rows, _note),
    ("accuracy", _accuracy_rows, _note),
    ("sensor_tick", _sensor_rows, _sensor_note),
    ("einvoice_accuracy", _einvoice_rows, None),
)
"""Result file, its table rows, its note (in the table's order)."""


def rows(folder: Path) -> tuple[list[list[str]], list[str]]:
    """(table rows, notes on where and under what load each file was measured)."""
    out: list[list[str]] = []
    notes: list[str] = []
    for name, section, note in SECTIONS:
        data = _load(folder, name)
        if not data:
            continue
        if note is not None:
            notes.append(note(data))
        out += section(data)
    return out, notes


def markdown(folder: Path) -> str:
    table, notes = rows(folder)
    lines = ["| figure | measured | target | command |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(r)} |" for r in table]
    if notes:
        lines.append("")
        lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    print(markdown(args.results), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
