"""OCR engines on generated scans and photos: seconds per page, character error rate, ablation.

Usage: ``python bench/ocr_engines.py [--engines rapidocr,tesseract,paddleocr] [--scans 2]
[--photos 1] [--device cpu|gpu] [--no-ablation] [--name ocr_engines]``.

Pages come from :mod:`invoice_pipeline.samples.synthetic`: an invoice
page drawn with reportlab, rendered at 200 dpi and turned into an office scan
(grey paper, skew, blur, noise, JPEG; every second scan lies sideways) or a
phone photo (perspective, uneven light); the page's own PDF text layer is the
reference, and the CER is the edit distance over the reference length on
whitespace-normalised text (``synthetic.cer``). Each page is preprocessed
with the pipeline's default :class:`PreprocessOptions` and read by each
engine (one untimed read first, so model load and first-call set-up are
reported apart). ``paddleocr`` is measured only where it can be imported
(its own venv: ``.venv-paddle/bin/python bench/ocr_engines.py --engines
paddleocr,rapidocr --name ocr_engines_paddle``); an engine that is not
installed gets a row saying so. The born-digital fast path (type sniffing,
PDF probe, preprocessing without rendering, text-layer reading: what the
pipeline does for a PDF with a real text layer) is timed per page on
generated born-digital invoices. The ablation flips each preprocessing step
against the defaults (and all off) and reports CER and time on the same
scans and photos; identical preprocessed images are read once. Target: the
default engine reads a scanned A4 page in <= 1.5 s with CER < 2%. Prints
tables, writes ``bench/results/<name>.json`` and ``<name>.png``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/ocr_engines.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    bar_chart,
    print_table,
    quiet_logs,
)
from bench._main import Benchmark, run_benchmark  # noqa: E402

TARGET_SECONDS_PER_PAGE = 1.5
TARGET_CER = 0.02
STEPS = ("perspective", "resize", "rotation", "deskew", "flatten", "denoise", "clahe", "binarize")
SCAN_SKEWS = (1.2, -2.0, 0.6, -0.8, 2.5)


# --------------------------------------------------------------------- pages


def make_pages(scans: int, photos: int, seed: int = 0) -> list[dict[str, Any]]:
    """Degraded page images with their reference text (every second scan turned 90 degrees)."""
    from invoice_pipeline.processing.imaging import pdf
    from invoice_pipeline.samples import synthetic

    pages = []
    for kind, count in (("scan", scans), ("photo", photos)):
        for i in range(count):
            page_seed = seed + i + (100 if kind == "photo" else 0)
            data = synthetic.invoice_pdf(page_seed)
            reference = synthetic.page_text(synthetic.ground_truth(data).lines)
            clean = pdf.render_page(data, 1, 200)
            rotation = 90 if kind == "scan" and i % 2 == 1 else 0
            if kind == "scan":
                skew = SCAN_SKEWS[i % len(SCAN_SKEWS)]
                image = synthetic.degrade_scan(
                    clean, seed=page_seed, skew_degrees=skew, rotation=rotation
                )
                label = f"scan {i + 1} (skew {skew:+.1f} deg{', turned 90' if rotation else ''})"
            else:
                image = synthetic.phone_photo(clean, seed=page_seed)
                label = f"photo {i + 1}"
            pages.append({"kind": kind, "label": label, "image": image, "reference": reference})
    return pages


def save_pages(pages: list[dict[str, Any]], folder: Path) -> None:
    """Write the page images (PNG, lossless) and their references, for another interpreter."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for i, page in enumerate(pages):
        name = f"page-{i:03d}.png"
        if not cv2.imwrite(str(folder / name), page["image"]):
            raise OSError(f"could not write {folder / name}")
        index.append({k: page[k] for k in ("kind", "label", "reference")} | {"file": name})
    (folder / "pages.json").write_text(json.dumps(index, indent=1, ensure_ascii=False))


def load_pages(folder: Path) -> list[dict[str, Any]]:
    import cv2

    pages = []
    for item in json.loads((folder / "pages.json").read_text()):
        image = cv2.imread(str(folder / item["file"]), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise OSError(f"cannot read {folder / item['file']}")
        pages.append({**item, "image": image})
    return pages


# ------------------------------------------------------------------ engines


def prepare_device(device: str) -> None:
    """On a GPU, load the CUDA libraries onnxruntime-gpu's pip extras ship, if it has them."""
    if device != "gpu":
        return
    try:
        import onnxruntime
    except ImportError:
        return
    preload = getattr(onnxruntime, "preload_dlls", None)
    if preload is not None:
        preload()


def engine_providers(name: str) -> list[str]:
    """What actually runs the models: onnxruntime's session providers, or Paddle's device."""
    if name == "paddleocr":
        try:
            import paddle

            return [str(paddle.device.get_device())]
        except Exception as exc:
            return [f"unknown ({exc})"]
    if name == "rapidocr":
        from invoice_pipeline import settings
        from invoice_pipeline.processing.ocr import engine_for

        options = settings.get().ocr.model_copy(update={"engine": "rapidocr", "device": "cpu"})
        backend = getattr(engine_for(options), "backend", "onnxruntime")
        if backend == "openvino":
            import openvino

            return [f"OpenVINO {openvino.__version__} CPU"]
    try:
        import onnxruntime
    except ImportError:
        return []
    providers: list[str] = []
    for obj in gc.get_objects():
        if isinstance(obj, onnxruntime.InferenceSession):
            providers += [p for p in obj.get_providers() if p not in providers]
    return providers


def load_engine(name: str, device: str) -> tuple[Any | None, float, str | None]:
    """(engine, load seconds, why not) for one engine name."""
    from invoice_pipeline import settings
    from invoice_pipeline.processing.ocr import EngineNotInstalled, engine_for

    if name == "paddleocr" and importlib.util.find_spec("paddleocr") is None:
        return None, 0.0, "paddleocr is not importable here (it lives in .venv-paddle)"
    options = settings.get().ocr.model_copy(update={"engine": name, "device": device})
    settings.apply_library_environment()  # before PaddleX is imported
    started = time.perf_counter()
    try:
        engine = engine_for(options)
    except EngineNotInstalled as exc:
        return None, 0.0, str(exc)
    return engine, time.perf_counter() - started, None


def read_page(engine: Any, image: Any) -> tuple[str, float]:
    from invoice_pipeline.samples import synthetic

    started = time.perf_counter()
    page = engine.read(image, 1)
    return synthetic.page_text(page.lines), time.perf_counter() - started


Reads = dict[tuple[str, str], tuple[str, float]]
"""(engine name, image digest) -> (text, seconds): a page image is read once per engine."""


def cached_read(cache: Reads, name: str, engine: Any, image: Any) -> tuple[str, float, bool]:
    """(text, seconds of the first read, whether it was read now)."""
    digest = hashlib.sha1(image.tobytes() + str(image.shape).encode()).hexdigest()
    fresh = (name, digest) not in cache
    if fresh:
        cache[(name, digest)] = read_page(engine, image)
    text, seconds = cache[(name, digest)]
    return text, seconds, fresh


def preprocess(image: Any, options: Any) -> tuple[Any, float, list[str]]:
    from invoice_pipeline.processing.imaging.preprocess import preprocess_page

    started = time.perf_counter()
    page = preprocess_page(image, page_number=1, options=options)
    return page.image, time.perf_counter() - started, list(page.steps)


def measure_engines(
    pages: list[dict[str, Any]],
    engines: tuple[str, ...],
    device: str,
    cache: Reads | None = None,
    warm_up: bool = True,
) -> list[dict[str, Any]]:
    """Each engine on each page, preprocessed with the defaults (after one untimed read)."""
    from invoice_pipeline.samples import synthetic

    prepared = []
    for page in pages:
        image, prep_s, steps = preprocess(page["image"], None)
        prepared.append({**page, "pre": image, "prep_s": prep_s, "steps": steps})
    cache = {} if cache is None else cache
    rows = []
    for name in engines:
        engine, load_s, why = load_engine(name, device)
        if engine is None:
            rows.append({"engine": name, "device": device, "skipped": why})
            print(f"{name}: skipped ({why})", flush=True)
            continue
        warm_s = read_page(engine, prepared[0]["pre"])[1] if prepared and warm_up else None
        providers = engine_providers(name)
        per_page = []
        for page in prepared:
            text, ocr_s, _ = cached_read(cache, name, engine, page["pre"])
            per_page.append(
                {
                    "kind": page["kind"],
                    "label": page["label"],
                    "steps": page["steps"],
                    "preprocess_s": round(page["prep_s"], 3),
                    "ocr_s": round(ocr_s, 3),
                    "cer": round(synthetic.cer(page["reference"], text), 5),
                }
            )
        for kind in ("scan", "photo"):
            mine = [p for p in per_page if p["kind"] == kind]
            if not mine:
                continue
            ocr = [p["ocr_s"] for p in mine]
            rows.append(
                {
                    "engine": name,
                    "device": getattr(engine, "device", device),
                    "providers": providers,
                    "kind": kind,
                    "pages": len(mine),
                    "load_s": round(load_s, 2),
                    "first_read_s": None if warm_s is None else round(warm_s, 2),
                    "preprocess_s_per_page": round(
                        statistics.fmean(p["preprocess_s"] for p in mine), 3
                    ),
                    "ocr_s_per_page": round(statistics.fmean(ocr), 3),
                    "ocr_s_max": round(max(ocr), 3),
                    "pages_per_second": round(len(ocr) / sum(ocr), 3) if sum(ocr) else None,
                    "cer_mean": round(statistics.fmean(p["cer"] for p in mine), 5),
                    "cer_max": round(max(p["cer"] for p in mine), 5),
                    "pages_detail": mine,
                }
            )
    return rows


def fast_path(count: int, seed: int = 3) -> dict[str, Any]:
    """The born-digital path without Dagster: sniff + probe, preprocess (no render), text layer."""
    from invoice_pipeline.processing import stages
    from invoice_pipeline.processing.intake import documents
    from invoice_pipeline.samples import generate_invoice
    from invoice_pipeline.schema import RawDocument

    files = [generate_invoice(seed + i, ("en", "de", "fr", "sv")[i % 4])[0] for i in range(count)]
    pages = 0
    lines = 0
    started = time.perf_counter()
    for i, data in enumerate(files):
        raw = RawDocument(
            document_id=f"fast-{i}",
            source_file=f"fast-{i}.pdf",
            file_name=f"fast-{i}.pdf",
            sha256=hashlib.sha256(data).hexdigest(),
            size_bytes=len(data),
        )
        documents.describe(raw, data)
        pre = stages.preprocess(raw, data)
        ocr = stages.read_text(raw, pre, data)
        pages += len(ocr.pages)
        lines += len(ocr.lines)
        if any(p.engine != "text_layer" for p in ocr.pages):
            raise RuntimeError(f"fast-{i}.pdf did not take the text-layer path: {ocr.engine}")
    seconds = time.perf_counter() - started
    return {
        "documents": count,
        "pages": pages,
        "lines": lines,
        "seconds": round(seconds, 3),
        "seconds_per_page": round(seconds / pages, 4) if pages else None,
        "pages_per_second": round(pages / seconds, 1) if seconds else None,
    }


def ablation(
    pages: list[dict[str, Any]],
    engines: tuple[str, ...],
    device: str,
    cache: Reads | None = None,
    steps: tuple[str, ...] = STEPS,
) -> list[dict[str, Any]]:
    """CER and time with each of ``steps`` flipped against the defaults (and, for all, all off)."""
    from invoice_pipeline.processing.imaging.preprocess import PreprocessOptions
    from invoice_pipeline.samples import synthetic

    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown preprocessing step(s) {unknown}; choose from {STEPS}")
    cache = {} if cache is None else cache
    defaults = PreprocessOptions()
    configs: list[tuple[str, Any]] = [("defaults", defaults)]
    if set(steps) == set(STEPS):
        configs.append(("all steps off", defaults.model_copy(update=dict.fromkeys(STEPS, False))))
    for step in steps:
        on = getattr(defaults, step)
        configs.append((f"{'-' if on else '+'}{step}", defaults.model_copy(update={step: not on})))
    rows = []
    for name in engines:
        engine, _, why = load_engine(name, device)
        if engine is None:
            print(f"ablation with {name}: skipped ({why})", flush=True)
            continue
        for label, options in configs:
            row: dict[str, Any] = {"engine": name, "config": label}
            for kind in ("scan", "photo"):
                mine = [p for p in pages if p["kind"] == kind]
                if not mine:
                    continue
                cers, prep, ocr, changed = [], [], [], 0
                for page in mine:
                    image, prep_s, _ = preprocess(page["image"], options)
                    text, ocr_s, fresh = cached_read(cache, name, engine, image)
                    changed += fresh
                    cers.append(synthetic.cer(page["reference"], text))
                    prep.append(prep_s)
                    ocr.append(ocr_s)
                row[kind] = {
                    "pages": len(mine),
                    "cer_mean": round(statistics.fmean(cers), 5),
                    "cer_max": round(max(cers), 5),
                    "preprocess_s_per_page": round(statistics.fmean(prep), 3),
                    "ocr_s_per_page": round(statistics.fmean(ocr), 3),
                    "pages_read_anew": changed,
                }
            rows.append(row)
            print(f"  ablation {name} {label}", flush=True)
    return rows


# ---------------------------------------------------------------------- main


def measure(
    *,
    engines: tuple[str, ...] = ("rapidocr", "tesseract", "paddleocr"),
    scans: int = 2,
    photos: int = 1,
    device: str = "cpu",
    fast_path_docs: int = 20,
    with_ablation: bool = True,
    ablation_engines: tuple[str, ...] = ("rapidocr",),
    ablation_steps: tuple[str, ...] = STEPS,
    seed: int = 0,
    pages_dir: Path | None = None,
    warm_up: bool = True,
) -> dict[str, Any]:
    """Engines, fast path and ablation on ``scans`` + ``photos`` generated pages.

    With ``pages_dir``, the pages are read from there when it holds them (written
    by an earlier call), else generated and written there: two interpreters (two
    venvs) then measure the very same pixels.
    """
    quiet_logs()
    prepare_device(device)
    if pages_dir is not None and (pages_dir / "pages.json").exists():
        pages = load_pages(pages_dir)
    else:
        pages = make_pages(scans, photos, seed)
        if pages_dir is not None:
            save_pages(pages, pages_dir)
    cache: Reads = {}
    report: dict[str, Any] = {
        "settings": {
            "engines": list(engines),
            "scans": scans,
            "photos": photos,
            "device": device,
            "seed": seed,
            "pages": [p["label"] for p in pages],
            "pages_dir": str(pages_dir) if pages_dir else None,
        },
        "engines": measure_engines(pages, engines, device, cache, warm_up),
    }
    if fast_path_docs:
        report["fast_path"] = fast_path(fast_path_docs)
    if with_ablation:
        report["ablation"] = ablation(pages, ablation_engines, device, cache, ablation_steps)
    default = next(
        (r for r in report["engines"] if r.get("engine") == "rapidocr" and r.get("kind") == "scan"),
        None,
    )
    if default:
        report["target"] = {
            "seconds_per_page": TARGET_SECONDS_PER_PAGE,
            "cer": TARGET_CER,
            "measured_seconds_per_page": default["ocr_s_per_page"],
            "measured_cer": default["cer_mean"],
            "met": default["ocr_s_per_page"] <= TARGET_SECONDS_PER_PAGE
            and default["cer_mean"] < TARGET_CER,
        }
    return report


def print_report(report: dict[str, Any]) -> None:
    rows = []
    for r in report["engines"]:
        if "skipped" in r:
            rows.append(
                [r["engine"], "-", 0, None, None, None, None, None, None, r["skipped"][:60]]
            )
            continue
        rows.append(
            [
                r["engine"],
                r["kind"],
                r["pages"],
                r["ocr_s_per_page"],
                r["pages_per_second"],
                r["preprocess_s_per_page"],
                f"{r['cer_mean']:.2%}",
                f"{r['cer_max']:.2%}",
                r["load_s"],
                f"{r['device']} {'/'.join(p.replace('ExecutionProvider', '') for p in r['providers'])}",
            ]
        )
    print_table(
        ["engine", "pages", "n", "OCR s/page", "pages/s", "prep s/page", "CER", "CER max"]
        + ["load s", "device, providers / note"],
        rows,
        title="OCR engines on generated pages (preprocessed with the defaults)",
    )
    fp = report.get("fast_path")
    if fp:
        print(
            f"\nborn-digital fast path (sniff, probe, preprocess without render, text layer): "
            f"{fp['pages']} pages of {fp['documents']} PDFs in {fp['seconds']} s = "
            f"{fp['seconds_per_page']} s/page ({fp['pages_per_second']} pages/s)"
        )
    if report.get("ablation"):
        rows = []
        for r in report["ablation"]:
            scan, photo = r.get("scan", {}), r.get("photo", {})
            rows.append(
                [
                    f"{r['engine']} {r['config']}",
                    f"{scan['cer_mean']:.2%}" if scan else "-",
                    scan.get("ocr_s_per_page"),
                    scan.get("preprocess_s_per_page"),
                    f"{photo['cer_mean']:.2%}" if photo else "-",
                    photo.get("ocr_s_per_page"),
                    photo.get("preprocess_s_per_page"),
                ]
            )
        print_table(
            ["preprocessing", "scan CER", "OCR s", "prep s", "photo CER", "OCR s", "prep s"],
            rows,
            title="Preprocessing ablation: each step flipped against the defaults (- off, + on)",
        )
    t = report.get("target")
    if t:
        verdict = "meets" if t["met"] else "MISSES"
        print(
            f"\ndefault engine on scans: {t['measured_seconds_per_page']} s/page, CER "
            f"{t['measured_cer']:.2%}: {verdict} the target (<= {t['seconds_per_page']} s, "
            f"CER < {t['cer']:.0%})"
        )


def chart(report: dict[str, Any], path: Path) -> Path | None:
    abl = report.get("ablation") or []
    if abl:
        return bar_chart(
            path,
            "Character error rate by preprocessing (generated pages)",
            [f"{r['engine']} {r['config']}" for r in abl],
            {
                "scans": [r.get("scan", {}).get("cer_mean") for r in abl],
                "photos": [r.get("photo", {}).get("cer_mean") for r in abl],
            },
            ylabel="CER",
            target=TARGET_CER,
            target_label="2% target",
            percent_axis=True,
        )
    rows = [r for r in report["engines"] if "skipped" not in r]
    if not rows:
        return None
    return bar_chart(
        path,
        "OCR seconds per page",
        [f"{r['engine']} {r['kind']}" for r in rows],
        {"seconds per page": [r["ocr_s_per_page"] for r in rows]},
        ylabel="seconds",
        target=TARGET_SECONDS_PER_PAGE,
    )


def _csv(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engines", type=_csv, default=("rapidocr", "tesseract", "paddleocr"))
    parser.add_argument("--scans", type=int, default=2)
    parser.add_argument("--photos", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu or gpu (OCR_DEVICE)")
    parser.add_argument("--fast-path-docs", type=int, default=20)
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument("--ablation-engines", type=_csv, default=("rapidocr",))
    parser.add_argument(
        "--ablation-steps", type=_csv, default=STEPS, help=f"out of {', '.join(STEPS)}"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--pages-dir",
        type=Path,
        default=None,
        help="read the pages from here, or generate and keep them here (same pixels across venvs)",
    )
    parser.add_argument("--name", default="ocr_engines", help="result file name (no suffix)")


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    return measure(
        engines=args.engines,
        scans=args.scans,
        photos=args.photos,
        device=args.device,
        fast_path_docs=args.fast_path_docs,
        with_ablation=not args.no_ablation,
        ablation_engines=args.ablation_engines,
        ablation_steps=args.ablation_steps,
        seed=args.seed,
        pages_dir=args.pages_dir,
    )


def _exit_status(report: dict[str, Any]) -> int:
    measured = [r for r in report["engines"] if "skipped" not in r]
    return 0 if measured else 1


BENCHMARK = Benchmark(
    name="ocr_engines",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    chart=chart,
    exit_status=_exit_status,
    result_name=lambda args: args.name,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
