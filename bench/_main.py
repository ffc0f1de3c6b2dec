"""The one ``main`` of every benchmark script: parse, measure, print, write JSON, chart.

Each script in ``bench/`` describes itself as a :class:`Benchmark` (its result
name, its own command-line options, how it measures from the parsed arguments,
how it prints its report, an optional chart and how the report maps to an exit
status) and hands it to :func:`run_benchmark`, which adds ``--results`` (the folder for
JSON and PNG, ``bench/results/`` by default), parses the command line, checks
it, notes the load average, measures, prints the tables, writes
``<name>.json`` with the machine it ran on (:func:`bench._common.write_json`),
draws ``<name>.png`` and returns the exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._common import load_average, results_dir, write_json

Report = dict[str, Any]


def _success(report: Report) -> int:
    return 0


@dataclass(frozen=True)
class Benchmark:
    """What one benchmark script plugs into :func:`run_benchmark`."""

    name: str
    """The result file name (no suffix): ``<name>.json`` and ``<name>.png``."""
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    """Adds the script's own options (``--results`` is added by :func:`run_benchmark`)."""
    measure: Callable[[argparse.Namespace, Path], Report]
    """Runs the benchmark from the parsed arguments; the results folder is the second argument."""
    print_report: Callable[[Report], None]
    chart: Callable[[Report, Path], Path | None] | None = None
    exit_status: Callable[[Report], int] = _success
    check: Callable[[argparse.Namespace], str | None] | None = None
    """Returns why the arguments cannot be used (a usage error), or None."""
    result_name: Callable[[argparse.Namespace], str] | None = None
    """Overrides :attr:`name` from the arguments (``--name`` of ``ocr_engines``)."""


def run_benchmark(bench: Benchmark, argv: list[str] | None = None) -> int:
    """Parse ``argv``, measure, print the report, write its JSON and chart; the exit status."""
    parser = argparse.ArgumentParser(description=bench.description)
    bench.add_arguments(parser)
    parser.add_argument(
        "--results", type=Path, default=None, help="folder for JSON and PNG (bench/results)"
    )
    args = parser.parse_args(argv)
    problem = bench.check(args) if bench.check is not None else None
    if problem:
        parser.error(problem)
    before = load_average()
    folder = results_dir(args.results)
    report = bench.measure(args, folder)
    bench.print_report(report)
    name = bench.result_name(args) if bench.result_name is not None else bench.name
    write_json(name, report, folder=folder, load_before=before)
    if bench.chart is not None:
        bench.chart(report, folder / f"{name}.png")
    return bench.exit_status(report)
