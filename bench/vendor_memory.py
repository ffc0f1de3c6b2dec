"""Vendor memory: later invoices of known vendors, with and without their learned profiles.

Usage: ``python bench/vendor_memory.py [--vendors 30] [--per-vendor 6]
[--kinds pdf,scan,photo] [--seed 0] [--tables drawn|coded|own]``.

A stream of ``--vendors`` vendors, each with ``--per-vendor`` invoices: half of
the vendors from the project's generator (:mod:`invoice_pipeline.samples`), half
from the second one (:mod:`invoice_pipeline.samples.second`, whose layouts the
rules extractor reads worst), each vendor with one fixed seller, layout, labels
and number format (the generators' ``vendor`` option) while the content varies
per invoice; kinds rotate over PDFs, scans and photos. Every file goes through
the real pipeline (``runner.process`` on an embedded instance). The first
invoice of each vendor is then confirmed with its true values through the
review page's own API (``POST /api/documents/{id}/review``, which teaches the
vendor's profile), and the later invoices are processed. Reported on those
later invoices: every key field right, the approved rate, the approved
precision and each wrongly approved document; once with VENDOR_MEMORY on and
once, in a fresh instance, with it off. Goals: every key field right >= 99%,
approved >= 90%, no wrongly approved invoice. The first invoice's line items are
confirmed too, so the vendor's table columns are learned; the later invoices'
items are scored (every item right, items F1). ``--tables coded`` gives every
second-generator vendor an items table with article codes and units, ``--tables own``
the same under the vendor's own column headings (words no vocabulary lists).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/vendor_memory.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Stopwatch, percent, pipeline_env, print_table, quiet_logs  # noqa: E402
from bench._main import Benchmark, run_benchmark  # noqa: E402
from bench.accuracy import Document, score_document, summarise  # noqa: E402

FIRST_LOCALES = ("de", "en-US", "fr", "en-GB", "sv")
SECOND_LOCALES = ("de-DE", "en-US", "fr-FR", "nl-NL", "es-ES", "sv-SE", "en-GB")
SECOND_CLASSES = ("boxes", "seller_right", "window", "columns", "logo", "bill_ship")
GOALS = {"all_key_fields_right": 0.99, "approved_rate": 0.90}


def vendor_plan(vendors: int, seed: int) -> list[dict[str, Any]]:
    """One spec per vendor: generator, locale, layout and the vendor seed."""
    from invoice_pipeline.samples import LAYOUTS

    plan = []
    for v in range(vendors):
        vendor_seed = seed * 10_007 + v + 1
        if v % 2 == 0:
            k = v // 2
            plan.append({"generator": "first", "locale": FIRST_LOCALES[k % len(FIRST_LOCALES)],
                         "layout": LAYOUTS[k % len(LAYOUTS)], "vendor": vendor_seed})  # fmt: skip
        else:
            k = v // 2
            plan.append({"generator": "second", "locale": SECOND_LOCALES[k % len(SECOND_LOCALES)],
                         "layout": SECOND_CLASSES[k % len(SECOND_CLASSES)],
                         "vendor": vendor_seed})  # fmt: skip
    return plan


def write_stream(
    folder: Path,
    vendors: int,
    per_vendor: int,
    kinds: list[str],
    seed: int,
    table: str | None = None,
) -> list[list[Document]]:
    """The files of every vendor, first invoice first, with their truth (``table``: the
    second generator's items table style for every vendor, else drawn per vendor)."""
    from invoice_pipeline.samples import build_invoice
    from invoice_pipeline.samples.second import build_document

    folder.mkdir(parents=True, exist_ok=True)
    stream = []
    for v, spec in enumerate(vendor_plan(vendors, seed)):
        docs = []
        for i in range(per_vendor):
            kind = kinds[(v + i) % len(kinds)]
            doc_seed = spec["vendor"] * 1000 + i
            stem = f"v{v:02d}-{spec['generator']}-{spec['layout']}-{kind}-{i}"
            if spec["generator"] == "first":
                built = build_invoice(doc_seed, spec["locale"], spec["layout"], kind,
                                      vendor=spec["vendor"])  # fmt: skip
                content, suffix, record = built.content, built.suffix, built.truth(stem)
            else:
                second = build_document(doc_seed, spec["locale"], spec["layout"], kind,
                                        totals_style="plain", vendor=spec["vendor"],
                                        table=table)  # fmt: skip
                content, suffix = second.content, second.suffix
                record = second.doc.to_record(stem, stem + suffix)
            path = folder / f"{stem}{suffix}"
            path.write_bytes(content)
            truth = {
                k: v
                for k, v in record.model_dump(mode="json").items()
                if (k in KEYED or k == "line_items") and v not in (None, "", [])
            }
            docs.append(Document(path=path, group=spec["generator"], kind=kind, truth=truth,
                                 extra={"vendor": v, "layout": spec["layout"]}))  # fmt: skip
        stream.append(docs)
    return stream


def _keyed() -> tuple[str, ...]:
    from invoice_pipeline.schema import TEXT_FIELDS

    return TEXT_FIELDS


KEYED = _keyed()


def _typed(name: str, value: Any) -> str | None:
    """An item's value as a reviewer types it: numbers in plain digits ("10", not "1E+1")."""
    if value is None or name == "description":
        return value
    return format(Decimal(str(value)).normalize(), "f")


def confirm(results_url: str, storage: str, records: list[Any], docs: list[Document]) -> int:
    """Approve each record with its true values through the review page's API; approvals made."""
    from starlette.testclient import TestClient

    from invoice_pipeline.review.app import create_app

    app = create_app(results_url, storage, vendor_memory=True)
    done = 0
    with TestClient(app) as client:
        for record, doc in zip(records, docs, strict=True):
            if not record.document_id:
                continue
            url = f"/api/documents/{record.document_id}"
            current = client.get(url).json()
            fields = {k: str(v) for k, v in doc.truth.items() if k in KEYED}
            body = {"decision": "approve", "fields": fields, "reviewer": "bench",
                    "version": current["version"], "override": []}  # fmt: skip
            if doc.truth.get("line_items"):
                body["line_items"] = [
                    {k: _typed(k, v) for k, v in item.items()} for item in doc.truth["line_items"]
                ]
            for _ in range(3):
                response = client.post(f"{url}/review", json=body)
                if response.status_code != 422:
                    break
                errors = response.json().get("errors", [])
                body["override"] = [e["check"] for e in errors if e["overridable"]]
                for e in errors:
                    if not e["overridable"]:
                        body["fields"].pop(e["field"], None)
                        if e["field"].startswith("line_items"):
                            body.pop("line_items", None)
            done += response.status_code == 200
    return done


def run_stream(
    stream: list[list[Document]], workdir: Path, *, memory: bool, keep: list[Any] | None = None
) -> tuple[list[Any], list[Any], list[Document], float, int]:
    """Records of the later invoices (first ones confirmed when ``memory``), the same decided
    without calibration, the documents, seconds and approvals made; ``keep`` receives each
    later invoice's stored ``validated`` value (None where there is none)."""
    from invoice_pipeline import runner
    from invoice_pipeline.definitions import build_definitions

    first = [docs[0] for docs in stream]
    later = [d for docs in stream for d in docs[1:]]
    confirmed = 0
    value = "true" if memory else "false"
    with pipeline_env(workdir, VENDOR_MEMORY=value) as paths, Stopwatch() as sw:
        instance = runner.get_instance()
        try:
            defs = build_definitions()
            if memory:
                records = runner.process([str(d.path) for d in first], defs=defs,
                                         instance=instance)  # fmt: skip
                url = f"sqlite:///{paths['results']}"
                confirmed = confirm(url, str(paths["storage"]), records, first)
            records = runner.process([str(d.path) for d in later], defs=defs, instance=instance)
            raw = [uncalibrated(paths["storage"], r) for r in records]
            if keep is not None:
                keep.extend(validated(paths["storage"], r) for r in records)
        finally:
            instance.dispose()
    return records, raw, later, sw.seconds, confirmed


def validated(storage: Path, record: Any) -> Any:
    """The record's stored ``validated`` invoice, or None."""
    from invoice_pipeline.schema import Invoice

    path = storage / "assets" / "validated" / f"{record.document_id}.json"
    if not record.document_id or not path.exists():
        return None
    return Invoice.model_validate(json.loads(path.read_text())["value"])


def training_stream(
    vendors: int, per_vendor: int, kinds: list[str], seed: int
) -> list[tuple[Document, Any, int]]:
    """The later invoices of a vendor stream read with memory (first ones confirmed): each
    document, its validated invoice (or None) and its vendor's index. ``bench/calibrate.py``
    fits the ``vendor_profile`` calibration on it, with a seed the report never uses."""
    with tempfile.TemporaryDirectory(prefix="vendor-train-") as tmp:
        root = Path(tmp)
        stream = write_stream(root / "files", vendors, per_vendor, kinds, seed)
        invoices: list[Any] = []
        _, _, later, _, _ = run_stream(stream, root / "run", memory=True, keep=invoices)
    vendor_of = {d.path: v for v, docs in enumerate(stream) for d in docs}
    return [(d, inv, vendor_of[d.path]) for d, inv in zip(later, invoices, strict=True)]


def uncalibrated(storage: Path, record: Any) -> Any:
    """The record decided again from its stored ``validated`` value without the calibration
    file (raw confidences against the plain thresholds), for comparison."""
    from invoice_pipeline.processing.evaluate import evaluate

    invoice = validated(storage, record)
    if invoice is None:
        return record
    return evaluate(invoice, ocr_confidence=invoice.ocr_confidence, extractor=invoice.extractor,
                    ocr_engine=invoice.ocr_engine, calibration=False).record  # fmt: skip


def measure(args: argparse.Namespace, results: Path) -> dict[str, Any]:
    quiet_logs()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    with tempfile.TemporaryDirectory(prefix="vendor-memory-") as tmp:
        root = Path(tmp)
        table = None if args.tables == "drawn" else args.tables
        stream = write_stream(
            root / "files", args.vendors, args.per_vendor, kinds, args.seed, table
        )
        report: dict[str, Any] = {
            "tables": args.tables,
            "vendors": args.vendors,
            "per_vendor": args.per_vendor,
            "kinds": kinds,
            "runs": {},
        }
        for memory in (True, False):
            name = "with memory" if memory else "without memory"
            records, raw, later, seconds, confirmed = run_stream(
                stream, root / name.replace(" ", "-"), memory=memory
            )
            scored = [score_document(d, r) for d, r in zip(later, records, strict=True)]
            summary = summarise(scored)
            plain = summarise([score_document(d, r) for d, r in zip(later, raw, strict=True)])
            summary["uncalibrated"] = {
                k: plain[k] for k in ("approved_rate", "approved_precision", "wrongly_approved")
            }
            summary["seconds"] = round(seconds, 1)
            summary["confirmed"] = confirmed
            summary["by_generator"] = {
                g: summarise([s for s, d in zip(scored, later, strict=True) if d.group == g])
                for g in ("first", "second")
            }
            summary["by_kind"] = {
                k: summarise([s for s, d in zip(scored, later, strict=True) if d.kind == k])
                for k in kinds
            }
            summary["not_approved"] = [
                {
                    "file": s["file"],
                    "status": s["status"],
                    "wrong": s["wrong"],
                    "reasons": r.reasons[:4],
                    "vendor": [i.message for i in r.issues if i.code.startswith("vendor_")],
                }
                for s, r in zip(scored, records, strict=True)
                if s["status"] != "approved"
            ][:60]
            report["runs"][name] = summary
    return report


def _items(summary: dict[str, Any]) -> list[str]:
    """Invoices with every line item read right (and no extra), and the items' F1."""
    every = summary["fields"].get("line_items", {}).get("accuracy")
    return [percent(every), percent(summary["line_items"]["f1"])]


def print_report(report: dict[str, Any]) -> None:
    runs = report["runs"]
    rows = []
    for name, s in runs.items():
        rows.append([name, "all", s["documents"], percent(s["all_key_fields_right"]),
                     *_items(s), percent(s["approved_rate"]), len(s["wrongly_approved"]),
                     s["seconds"]])  # fmt: skip
        for group, g in s["by_generator"].items():
            if g["documents"]:
                rows.append([name, f"{group} generator", g["documents"],
                             percent(g["all_key_fields_right"]), *_items(g),
                             percent(g["approved_rate"]), len(g["wrongly_approved"]), ""])  # fmt: skip
        for kind, g in s["by_kind"].items():
            if g["documents"]:
                rows.append([name, kind, g["documents"], percent(g["all_key_fields_right"]),
                             *_items(g), percent(g["approved_rate"]), len(g["wrongly_approved"]),
                             ""])  # fmt: skip
    print_table(
        [
            "run",
            "slice",
            "invoices",
            "all key fields right",
            "all items right",
            "items F1",
            "approved",
            "wrongly approved",
            "s",
        ],  # fmt: skip
        rows,
        title=(
            f"Later invoices of {report['vendors']} vendors x {report['per_vendor'] - 1} "
            f"(the first of each confirmed in review; tables: {report.get('tables', 'drawn')})"
        ),
    )
    print_table(
        ["run", "approved", "wrongly approved", "approved precision"],
        [[name, percent(s["uncalibrated"]["approved_rate"]),
          len(s["uncalibrated"]["wrongly_approved"]),
          percent(s["uncalibrated"]["approved_precision"])] for name, s in runs.items()],
        title="The same records decided without the calibration file (raw confidences)",
    )  # fmt: skip
    for name, s in runs.items():
        for w in s["wrongly_approved"]:
            print(f"  wrongly approved ({name}): {w['file']} {w['wrong']}")
        for w in s["uncalibrated"]["wrongly_approved"]:
            print(f"  wrongly approved without calibration ({name}): {w['file']} {w['wrong']}")


def exit_status(report: dict[str, Any]) -> int:
    s = report["runs"]["with memory"]
    ok = (
        (s["all_key_fields_right"] or 0) >= GOALS["all_key_fields_right"]
        and (s["approved_rate"] or 0) >= GOALS["approved_rate"]
        and not s["wrongly_approved"]
    )
    return 0 if ok else 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vendors", type=int, default=30)
    parser.add_argument("--per-vendor", type=int, default=6)
    parser.add_argument("--kinds", default="pdf,scan,photo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tables",
        choices=("drawn", "coded", "own"),
        default="drawn",
        help="coded: every second-generator vendor prints article codes and units in its "
        "items table; own: coded, under the vendor's own column headings, which no vocabulary "
        "lists (tables only a learned table reads); drawn: plain or coded, per vendor",
    )


BENCH = Benchmark(
    name="vendor_memory",
    description=__doc__.splitlines()[0],
    add_arguments=add_arguments,
    measure=measure,
    print_report=print_report,
    exit_status=exit_status,
    check=lambda a: "--per-vendor must be at least 2" if a.per_vendor < 2 else None,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCH, argv)


if __name__ == "__main__":
    raise SystemExit(main())
