"""Where a batch's time goes: pyinstrument over ``runner.run_batch``, bucketed by layer.

Usage: ``python bench/profile_pipeline.py [--docs 20] [--kinds pdf] [--backlog 1000]
[--no-compare]``.

Generated invoices are registered on a temporary embedded instance that
already holds ``--backlog`` other partitions (a working instance is not
empty, and some Dagster calls grow with the partition count), and one batch
run over them is profiled with pyinstrument in this process (the engine is
loaded before, as a warm worker has it). The samples are attributed to
layers by the call stack (OCR engine, preprocessing, PDF, IO manager,
results database, Dagster event log and run storage, extraction, validation
and evaluation, document store, pydantic, other Dagster execution, other);
the top functions by own time and our own functions by total time follow.
By default the same batch first runs (profiled as well, so both carry the
same sampling overhead) with the two earlier optimisations undone
(``context.add_asset_metadata(partition_key=...)`` instead of
``add_partition_metadata``, and ``UPathIOManager.load_input`` with its log
event per partition instead of our override), so their before/after is
measured on the same machine in the same minute (``--no-compare`` skips
it). Prints tables, writes ``bench/results/profile_pipeline.json``, the
profile as text, HTML and a pyinstrument session
(``profile_pipeline.txt``/``.html``/``.pyisession``) and a PNG of the layers.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/profile_pipeline.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    Stopwatch,
    bar_chart,
    pipeline_env,
    print_table,
    quiet_logs,
    results_dir,
)
from bench._main import Benchmark, run_benchmark  # noqa: E402

# (layer, substrings of "file path:function"): the first layer any frame of the stack matches
# wins; read_page_with_time_limit waits for the OCR worker thread (pyinstrument samples only
# the thread that started it)
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "OCR engine",
        (
            "/rapidocr/",
            "onnxruntime",
            "ocr/rapidocr_engine.py",
            "ocr/tesseract_engine",
            "ocr/paddleocr_engine",
            ":read_page_with_time_limit",
        ),
    ),
    (
        "page preprocessing",
        (
            "imaging/preprocess.py",
            "imaging/load.py",
            "imaging/orientation.py",
            "imaging/perspective.py",
            "imaging/filters.py",
        ),
    ),
    ("PDF render/text layer", ("pypdfium2", "imaging/pdf.py", "ocr/text_layer.py")),
    ("thumbnails", ("imaging/thumbnail.py",)),
    ("IO manager (JSON/PNG)", ("resources/io_manager.py", "upath_io_manager.py")),
    ("results database", ("processing/results/",)),
    (
        "Dagster event log / run storage",
        ("dagster/_core/storage/", "dagster/_core/instance/", "dagster/_core/events/log.py"),
    ),
    ("extraction", ("processing/extract/", "processing/vendors/")),
    (
        "validation / evaluation",
        (
            "processing/validate/",
            "processing/evaluate/",
        ),
    ),
    ("document store / ingest", ("processing/intake/", "/upath/")),
    ("pydantic", ("/pydantic",)),
    ("Dagster execution (other)", ("/dagster/", "/dagster_shared/")),
)
OTHER = "other"


# ---------------------------------------------------------------- baseline


@contextlib.contextmanager
def without_bypasses() -> Iterator[None]:
    """Undo the two optimisations: public add_asset_metadata, UPathIOManager.load_input."""
    import dagster as dg

    from invoice_pipeline.resources.io_manager import PydanticUPathIOManager

    def public_metadata(context: Any, key: str, metadata: dict[str, Any]) -> None:
        context.add_asset_metadata(metadata, partition_key=key)

    # every asset's per-document loop (assets.common.materialize_documents) calls it from there
    modules = [importlib.import_module("invoice_pipeline.assets.common")]
    saved = [(m, m.add_partition_metadata) for m in modules if hasattr(m, "add_partition_metadata")]
    saved_load = PydanticUPathIOManager.__dict__.get("load_input")
    try:
        for module, _ in saved:
            module.add_partition_metadata = public_metadata
        PydanticUPathIOManager.load_input = dg.UPathIOManager.load_input  # type: ignore[method-assign]
        yield
    finally:
        for module, fn in saved:
            module.add_partition_metadata = fn
        if saved_load is not None:
            PydanticUPathIOManager.load_input = saved_load  # type: ignore[method-assign]


# ------------------------------------------------------------------ profile


def layer_of(paths: list[str]) -> str:
    for layer, needles in LAYERS:
        for path in paths:
            if any(n in path for n in needles):
                return layer
    return OTHER


def analyse(root: Any, top: int = 15) -> dict[str, Any]:
    """Seconds per layer, the top functions by own time and our functions by total time."""
    layers: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)
    ours: dict[str, float] = defaultdict(float)
    dagster: dict[str, float] = defaultdict(float)

    def label(frame: Any) -> str:
        path = (frame.file_path or "?").replace("\\", "/")
        for marker in ("site-packages/", "invoice-pipeline/", "/work/main/", "lib/python3"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        return f"{frame.function} ({path}:{frame.line_no})"

    def walk(frame: Any, paths: list[str], seen: set[str]) -> None:
        path = (frame.file_path or "").replace("\\", "/")
        if not frame.is_synthetic:
            paths = [*paths, f"{path}:{frame.function}"]
            key = label(frame)
            if key not in seen:  # count a recursive function once
                if "invoice_pipeline/" in path:
                    ours[key] += frame.time
                elif "/dagster/" in path or "/dagster_shared/" in path:
                    dagster[key] += frame.time
                seen = seen | {key}
        children = frame.children
        if not children:
            layers[layer_of(paths)] += frame.time
            owner = frame.parent if frame.is_synthetic and frame.parent is not None else frame
            own[label(owner)] += frame.time
            return
        rest = frame.time - sum(c.time for c in children)
        if rest > 0:
            layers[layer_of(paths)] += rest
            own[label(frame)] += rest
        for child in children:
            walk(child, paths, seen)

    walk(root, [], set())
    total = root.time or 1.0
    # Dagster's wrappers around the whole run say nothing: keep what is under half of it
    specific = {k: v for k, v in dagster.items() if v < 0.5 * total}
    return {
        "total_s": round(root.time, 3),
        "layers": {
            k: {"seconds": round(v, 3), "share": round(v / total, 4)}
            for k, v in sorted(layers.items(), key=lambda kv: -kv[1])
        },
        "top_own": [
            {"function": k, "seconds": round(v, 3)}
            for k, v in sorted(own.items(), key=lambda kv: -kv[1])[:top]
        ],
        "top_ours": [
            {"function": k, "seconds": round(v, 3)}
            for k, v in sorted(ours.items(), key=lambda kv: -kv[1])[:top]
        ],
        "top_dagster": [
            {"function": k, "seconds": round(v, 3)}
            for k, v in sorted(specific.items(), key=lambda kv: -kv[1])[: top + 10]
        ],
    }


def run_once(
    root: Path, files: list[Path], backlog: int, *, profile: bool, interval: float
) -> dict[str, Any]:
    """Register ``files`` after ``backlog`` other partitions and run them as one batch."""
    from invoice_pipeline import runner, settings
    from invoice_pipeline.definitions import build_definitions
    from invoice_pipeline.partitions import documents
    from invoice_pipeline.processing.intake.store import DocumentStore

    out: dict[str, Any] = {}
    with pipeline_env(root):
        defs = build_definitions()
        instance = runner.get_instance()
        try:
            if backlog:
                instance.add_dynamic_partitions(
                    documents.name, [f"backlog-{i:06d}" for i in range(backlog)]
                )
            store = DocumentStore(settings.get().storage_root)
            registered = runner.register(instance, store, [(str(p), p) for p in files])
            keys = [r.entry.document_id for r in registered if r.entry]
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=interval)
                profiler.start()
            with Stopwatch() as sw:
                result = runner.run_batch(defs, instance, keys)
            if profiler is not None:
                profiler.stop()
                out["profiler"] = profiler
            out["seconds"] = round(sw.seconds, 3)
            out["documents"] = len(keys)
            out["success"] = result.success
            steps: dict[str, float] = defaultdict(float)
            for stat in instance.get_run_step_stats(result.run_id):
                if stat.start_time and stat.end_time:
                    steps[stat.step_key] += stat.end_time - stat.start_time
            out["step_seconds"] = {k: round(v, 3) for k, v in steps.items()}
            logs = instance.all_logs(result.run_id)
            out["events"] = len(logs)
            kinds = Counter(
                e.dagster_event.event_type_value if e.dagster_event else "log message" for e in logs
            )
            out["events_by_type"] = dict(kinds.most_common())
        finally:
            instance.dispose()
    return out


def measure(
    *,
    docs: int = 20,
    kinds: tuple[str, ...] = ("pdf",),
    backlog: int = 1000,
    compare: bool = True,
    seed: int = 11,
    interval: float = 0.002,
    folder: Path | None = None,
    warm_up: bool = True,
) -> dict[str, Any]:
    """Profile one batch (and, with ``compare``, time it without the optimisations first)."""
    from invoice_pipeline.processing.ocr import get_engine
    from invoice_pipeline.samples import generate_corpus

    quiet_logs()
    report: dict[str, Any] = {
        "settings": {"docs": docs, "kinds": list(kinds), "backlog": backlog, "seed": seed}
    }
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        root = Path(tmp)
        samples = generate_corpus(root / "corpus", docs, seed=seed, kinds=kinds)
        files = [s.path for s in samples]
        report["settings"]["pages"] = sum(s.pages for s in samples)
        if any(k != "pdf" for k in kinds):
            get_engine("rapidocr", "cpu")
        if warm_up:  # lazy imports and first-use caches, so neither variant pays them
            run_once(root / "warmup", files[:1], 0, profile=False, interval=interval)
        if compare:  # profiled too: both sides carry the same sampling overhead
            print("profiled batch without the two optimisations ...", flush=True)
            with without_bypasses():
                before = run_once(root / "before", files, backlog, profile=True, interval=interval)
            report["before"] = before
            report["before_profile"] = analyse(before.pop("profiler").last_session.root_frame())
        print("profiled batch ...", flush=True)
        after = run_once(root / "after", files, backlog, profile=True, interval=interval)
    profiler = after.pop("profiler")
    report["after"] = after
    report["profile"] = analyse(profiler.last_session.root_frame())
    out = results_dir(folder)
    (out / "profile_pipeline.txt").write_text(
        profiler.output_text(unicode=False, color=False, show_all=False)
    )
    (out / "profile_pipeline.html").write_text(profiler.output_html())
    profiler.last_session.save(str(out / "profile_pipeline.pyisession"))
    report["profile_files"] = [
        "profile_pipeline.txt",
        "profile_pipeline.html",
        "profile_pipeline.pyisession (pyinstrument --load=FILE --show-all)",
    ]
    return report


def print_report(report: dict[str, Any]) -> None:
    s = report["settings"]
    after = report["after"]
    rows = []
    if "before" in report:
        b = report["before"]
        rows.append(
            ["before (public add_asset_metadata, UPath load_input)", b["seconds"]]
            + [b["seconds"] / b["documents"], b["events"], b["success"]]
        )
    rows.append(
        ["now", after["seconds"], after["seconds"] / after["documents"], after["events"]]
        + [after["success"]]
    )
    print_table(
        ["batch run", "s", "s/doc", "events", "ok"],
        rows,
        title=f"One batch of {s['docs']} documents ({', '.join(s['kinds'])}; {s['pages']} pages) "
        f"on an instance holding {s['backlog']} other partitions",
    )
    prof = report["profile"]
    before = report.get("before_profile", {}).get("layers", {})
    print_table(
        ["layer", "s", "share", "before s"],
        [
            [k, v["seconds"], f"{v['share']:.1%}", before.get(k, {}).get("seconds")]
            for k, v in prof["layers"].items()
        ],
        title=f"Where the profiled batch's {prof['total_s']} s went (pyinstrument, by call stack; "
        "'before': the same batch without the two optimisations)",
    )
    print_table(
        ["function (own time)", "s"],
        [[r["function"], r["seconds"]] for r in prof["top_own"]],
        title="Top functions by own time",
    )
    print_table(
        ["our function (total time)", "s"],
        [[r["function"], r["seconds"]] for r in prof["top_ours"]],
        title="invoice_pipeline functions by total time",
    )
    print_table(
        ["Dagster function (total time, under half the run)", "s"],
        [[r["function"], r["seconds"]] for r in prof["top_dagster"]],
        title="Dagster functions by total time",
    )
    before_kinds = report.get("before", {}).get("events_by_type", {})
    n = after["documents"]
    print_table(
        ["event type", "per document", "before"],
        [
            [k, after["events_by_type"].get(k, 0) / n, before_kinds.get(k, 0) / n]
            for k in dict.fromkeys([*after["events_by_type"], *before_kinds])
        ],
        title="Event-log entries of the batch run, per document (each one a storage write)",
    )
    step = report["after"]["step_seconds"]
    print_table(["step", "s"], [[k, v] for k, v in step.items()], title="Dagster step statistics")


def chart(report: dict[str, Any], path: Path) -> Path | None:
    layers = report["profile"]["layers"]
    return bar_chart(
        path,
        f"Profiled batch: seconds per layer ({report['settings']['docs']} documents)",
        list(layers),
        {"seconds": [v["seconds"] for v in layers.values()]},
        ylabel="seconds",
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument(
        "--kinds", default="pdf", help="comma list of pdf, scan, photo (default: pdf)"
    )
    parser.add_argument(
        "--backlog", type=int, default=1000, help="partitions already in the instance"
    )
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the run without the optimisations"
    )
    parser.add_argument("--interval", type=float, default=0.002, help="sampling interval (s)")
    parser.add_argument("--seed", type=int, default=11)


def _needs_pyinstrument(args: argparse.Namespace) -> str | None:
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        return "profile_pipeline needs pyinstrument: pip install -e '.[bench]'"
    return None


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    return measure(
        docs=args.docs,
        kinds=tuple(k.strip() for k in args.kinds.split(",") if k.strip()),
        backlog=args.backlog,
        compare=not args.no_compare,
        seed=args.seed,
        interval=args.interval,
        folder=folder,
    )


BENCHMARK = Benchmark(
    name="profile_pipeline",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    chart=chart,
    exit_status=lambda report: 0 if report["after"]["success"] else 1,
    check=_needs_pyinstrument,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
