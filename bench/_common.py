"""What every benchmark in ``bench/`` shares: environments, tables, JSON, charts, memory.

:func:`pipeline_env` points INVOICE_STORAGE, INVOICE_INBOX, DAGSTER_HOME and
INVOICE_RESULTS_DB_URL at a fresh folder (and restores the environment
afterwards), so a benchmark runs the real pipeline on a temporary embedded
instance. :func:`print_table` prints an aligned text table, :func:`write_json`
writes a result file under ``bench/results/`` with the machine and its load
average (figures on a shared machine are noisy; the load says how noisy), and
:func:`bar_chart` draws a PNG with matplotlib's Agg backend when matplotlib is
installed (the ``bench`` extra). :class:`PeakMemory` samples the resident set
size of this process in a thread, so each phase of a benchmark gets its own
peak; :func:`percentile` is the linear-interpolation percentile. The main every
script shares (parse, measure, print, write JSON, chart) is :mod:`bench._main`.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
PIPELINE_VARS = (
    "INVOICE_STORAGE",
    "INVOICE_INBOX",
    "DAGSTER_HOME",
    "INVOICE_RESULTS_DB_URL",
)


# ------------------------------------------------------------------ machine


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    """CPUs, memory, Python, platform and the current load: the context of every figure."""
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average": load_average(),
    }
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(Exception):
        import dagster

        info["dagster"] = dagster.__version__
    return info


def load_note(before: list[float] | None, after: list[float] | None) -> str:
    """A line saying how busy the machine was while measuring."""
    if not before or not after:
        return "load average unknown"
    cpus = os.cpu_count() or 1
    peak = max(before[0], after[0])
    busy = "quiet" if peak < 0.5 * cpus else "under load"
    return f"load average {before[0]:.2f} -> {after[0]:.2f} on {cpus} CPUs ({busy})"


# -------------------------------------------------------------------- output


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 0.01 and value else f"{value:.2f}"
    return str(value)


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None
) -> str:
    """An aligned text table: the first column left-aligned, the others right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], len(text))

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(widths[i]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(values)
        ).rstrip()

    out = []
    if title:
        out.append(title)
    out.append(line(list(headers)))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None
) -> str:
    """Print :func:`format_table` (with a blank line before it) and return the text."""
    text = format_table(headers, rows, title)
    print("\n" + text, flush=True)
    return text


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95% for the default ``z``); None when n = 0.

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or n
    successes: 20 of 20 gives (0.839, 1.0), so a perfect small sample still says how
    little it proves.
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def results_dir(path: Path | None = None) -> Path:
    folder = Path(path) if path else RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_json(
    name: str,
    payload: Mapping[str, Any],
    *,
    folder: Path | None = None,
    load_before: list[float] | None = None,
) -> Path:
    """Write ``<folder>/<name>.json`` with the benchmark's payload and the machine it ran on."""
    out = results_dir(folder) / f"{name}.json"
    after = load_average()
    document = {
        "benchmark": name,
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
        "load_average_before": load_before,
        "load_average_after": after,
        "load_note": load_note(load_before, after),
        **payload,
    }
    out.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"wrote {out}", flush=True)
    return out


def _pyplot(path: Path) -> Any | None:
    """matplotlib's pyplot on the Agg backend; None (with a message) when it is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"no chart {path.name}: matplotlib is missing (pip install -e '.[bench]')")
        return None
    return plt


def _save(plt: Any, fig: Any, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path}", flush=True)
    return path


def bar_chart(
    path: Path,
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    ylabel: str = "",
    target: float | None = None,
    target_label: str = "target",
    percent_axis: bool = False,
    log_scale: bool = False,
) -> Path | None:
    """A grouped bar chart as PNG; None (with a message) when matplotlib is not installed."""
    plt = _pyplot(path)
    if plt is None:
        return None
    names = list(series)
    count = max(1, len(names))
    width = 0.8 / count
    width_in = min(16.0, max(6.0, 0.35 * len(categories) * count + 2))
    fig, ax = plt.subplots(figsize=(width_in, 4.5))
    for i, name in enumerate(names):
        values = [float("nan") if v is None else float(v) for v in series[name]]
        xs = [c + (i - (count - 1) / 2) * width for c in range(len(categories))]
        ax.bar(xs, values, width, label=name)
    if target is not None:
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label=target_label)
    ax.set_xticks(range(len(categories)))
    ax.set_xticklabels(categories, rotation=30 if len(categories) > 4 else 0, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log_scale:
        ax.set_yscale("log")
    if percent_axis:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if len(names) > 1 or target is not None:
        ax.legend(fontsize="small")
    return _save(plt, fig, path)


def heatmap(
    path: Path,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
) -> Path | None:
    """A table of shares (0..1) as a colour grid with the percentages written in; None
    (with a message) when matplotlib is not installed. Empty cells stay blank."""
    plt = _pyplot(path)
    if plt is None:
        return None
    import numpy as np

    grid = np.array([[np.nan if v is None else float(v) for v in row] for row in values])
    fig, ax = plt.subplots(
        figsize=(min(18.0, 2.5 + 1.1 * len(columns)), min(12.0, 1.5 + 0.38 * len(rows)))
    )
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, rotation=35, ha="right", fontsize="small")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize="small")
    for i in range(len(rows)):
        for j in range(len(columns)):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.0%}", ha="center", va="center", fontsize="x-small")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.03)
    return _save(plt, fig, path)


# -------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100), interpolated linearly; None for no values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    rank = (len(data) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (rank - low))


def per_hour(count: float, seconds: float) -> float | None:
    return None if seconds <= 0 else count * 3600 / seconds


# -------------------------------------------------------------- environment


@contextlib.contextmanager
def environ(**values: str | None) -> Iterator[None]:
    """Set (or, with None, remove) environment variables; restore them afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_template: Path | None = None


def seed_instance(home: Path) -> None:
    """Fill DAGSTER_HOME with a copy of an empty SQLite instance made once per process.

    Creating the SQLite schemas takes seconds and is no part of any figure here;
    copying the files is instant. The copy is what ``runner.get_instance`` would
    create in an empty folder (same dagster.yaml).
    """
    from invoice_pipeline.instance_storage.sqlite import embedded_settings

    global _template
    if _template is None:
        import dagster as dg

        folder = Path(tempfile.mkdtemp(prefix="bench-instance-template-"))
        atexit.register(shutil.rmtree, folder, True)
        (folder / "dagster.yaml").write_text(embedded_settings(folder))
        instance = dg.DagsterInstance.from_config(str(folder))
        try:  # touch every storage so that its schema exists
            instance.get_runs(limit=1)
            instance.get_dynamic_partitions("documents")
            instance.all_instigator_state()
        finally:
            instance.dispose()
        _template = folder
    shutil.copytree(_template, home, dirs_exist_ok=True)
    (home / "dagster.yaml").write_text(embedded_settings(home))  # its own folder, not the copy's


@contextlib.contextmanager
def pipeline_env(root: Path, **extra: str | None) -> Iterator[dict[str, Path]]:
    """Storage, inbox, DAGSTER_HOME and a SQLite results DB under ``root`` (the embedded default).

    ``extra`` sets further variables (OCR_ENGINE, INVOICE_STABLE_SECONDS, ...) for
    the duration. Provider keys stay as they are; LLM_PROVIDER defaults to ``rules``.
    DAGSTER_HOME starts as a copy of an empty instance (:func:`seed_instance`).
    """
    paths = {
        "root": root,
        "storage": root / "storage",
        "inbox": root / "inbox",
        "home": root / "dagster_home",
        "results": root / "results.sqlite",
    }
    for key in ("storage", "inbox", "home"):
        paths[key].mkdir(parents=True, exist_ok=True)
    if not (paths["home"] / "dagster.yaml").exists():
        seed_instance(paths["home"])
    values: dict[str, str | None] = {
        "INVOICE_STORAGE": str(paths["storage"]),
        "INVOICE_INBOX": str(paths["inbox"]),
        "DAGSTER_HOME": str(paths["home"]),
        "INVOICE_RESULTS_DB_URL": f"sqlite:///{paths['results']}",
        "LLM_PROVIDER": os.environ.get("LLM_PROVIDER") or "rules",
        **extra,
    }
    with environ(**values):
        yield paths


def quiet_logs() -> None:
    """Keep Dagster's console handler and noisy libraries at WARNING for benchmark output."""
    import logging

    for name in ("dagster", "alembic", "RapidOCR", "ppocr", "paddlex"):
        logging.getLogger(name).setLevel(logging.WARNING)


# ------------------------------------------------------------------- memory


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def max_rss_mib() -> float:
    """This process's peak resident set size since it started (getrusage), MiB."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return round(usage * scale / 1024 / 1024, 1)


def children_max_rss_mib() -> float:
    """The largest peak RSS of any finished child process (multiprocess executor steps), MiB.

    An upper bound: on Linux a child's ru_maxrss starts from this process's RSS when it
    was forked, and exec keeps it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024
    return round(usage * scale / 1024 / 1024, 1)


class PeakMemory:
    """The peak RSS of this process during a ``with`` block, sampled every ``interval`` s.

    Where /proc is missing it falls back to getrusage's lifetime peak.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self.start_bytes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            rss = _rss_bytes()
            if rss is not None and rss > self.peak_bytes:
                self.peak_bytes = rss
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.start_bytes = _rss_bytes() or 0
        self.peak_bytes = self.start_bytes
        self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        rss = _rss_bytes()
        if rss is not None:
            self.peak_bytes = max(self.peak_bytes, rss)

    @property
    def peak_mib(self) -> float:
        if not self.peak_bytes:
            return max_rss_mib()
        return round(self.peak_bytes / 1024 / 1024, 1)


class Stopwatch:
    """``with Stopwatch() as sw: ...``; ``sw.seconds`` (wall) and ``sw.cpu_seconds`` afterwards.

    CPU time is this process's, all threads (onnxruntime's too): less sensitive than
    wall time to other work on a shared machine, blind to waiting on disk.
    """

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu_seconds = time.process_time() - self.cpu_started
