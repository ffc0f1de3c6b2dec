"""Accuracy of the e-invoice path against a dataset with ground truth.

Usage: ``python bench/einvoice_accuracy.py DATASET_DIR [--results DIR] [-v]``
where DATASET_DIR holds ``manifest.jsonl``, ``docs/`` and ``gt/<doc_id>.json``
(the layout of ``shared/data/zugferd-dev``). For every PDF it looks for an
embedded e-invoice with :func:`find_embedded_xml`, reads it with
:func:`parse_einvoice` and compares each labelled field with the ground truth
(strings whitespace-normalised, amounts to the cent, line items field by
field); it also runs :func:`cross_check` against the PDF's text layer and
counts the documents whose print disagrees with the XML, and how many slightly
tampered values (number, total, tax, date) it catches. Prints a per-field
table and writes ``bench/results/einvoice_accuracy.json`` (nothing is timed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pypdfium2 as pdfium

if __package__ in (None, ""):  # run as a script: python bench/einvoice_accuracy.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._main import Benchmark, run_benchmark  # noqa: E402
from invoice_pipeline.processing.extract.einvoice import (
    MISMATCH_CODE,
    cross_check,
    find_embedded_xml,
    parse_einvoice,
)
from invoice_pipeline.schema import ExtractedInvoice

GT_TO_FIELD = {
    "invoice_number": "invoice_number",
    "date": "invoice_date",
    "due_date": "due_date",
    "seller": "seller_name",
    "seller_address": "seller_address",
    "buyer": "buyer_name",
    "currency": "currency",
    "subtotal": "subtotal",
    "tax": "tax_amount",
    "total": "total_amount",
}
MONEY = {"subtotal", "tax", "total"}
LINE_FIELDS = ("description", "quantity", "unit_price", "amount")


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _num_equal(expected: object, got: str | None, places: str = "0.01") -> bool:
    if got is None or expected is None:
        return False
    try:
        return abs(Decimal(str(expected)) - Decimal(got)) < Decimal(places) / 2
    except InvalidOperation:
        return False


def _lines_equal(expected: list[dict], got: list) -> bool:
    if len(expected) != len(got):
        return False
    for want, have in zip(expected, got, strict=True):
        for key in LINE_FIELDS:
            if key not in want:
                continue
            value = getattr(have, key)
            if key == "description":
                if _norm(want[key]) != _norm(value or ""):
                    return False
            elif not _num_equal(want[key], value, "0.0001"):
                return False
    return True


def _tamper(extracted: ExtractedInvoice) -> ExtractedInvoice:
    """A copy whose number, total, tax and date are slightly off, to test cross_check."""
    tampered = extracted.model_copy(deep=True)
    changes = {
        "invoice_number": lambda v: v + "7",
        "total_amount": lambda v: str(Decimal(v) + Decimal("0.10")),
        "tax_amount": lambda v: str(Decimal(v) + Decimal("1.00")),
        "invoice_date": lambda v: (dt.date.fromisoformat(v) + dt.timedelta(days=1)).isoformat(),
    }
    for name, change in changes.items():
        field = tampered.fields.get(name)
        if field is not None and field.value is not None:
            field.value = change(field.value)
    return tampered


def _printed_text(pdf_bytes: bytes) -> str:
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in pdf)
    finally:
        pdf.close()


def evaluate(dataset: Path, verbose: bool = False) -> dict:
    manifest = [
        json.loads(line)
        for line in (dataset / "manifest.jsonl").read_text().splitlines()
        if line.strip()
    ]
    right: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    found = pdfs = 0
    mismatch_docs = 0
    mismatch_fields: Counter[str] = Counter()
    mismatch_vs_qa: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    errors: list[str] = []
    started = time.perf_counter()
    for entry in manifest:
        path = dataset / entry["file"]
        if path.suffix.lower() != ".pdf":
            continue
        pdfs += 1
        gt = json.loads((dataset / "gt" / f"{entry['doc_id']}.json").read_text())
        data = path.read_bytes()
        embedded = find_embedded_xml(data)
        for name in gt.get("labelled_fields", []):
            labelled[name] += 1
        if embedded is None:
            errors.append(f"{entry['doc_id']}: no e-invoice XML found")
            continue
        found += 1
        extracted = parse_einvoice(embedded[1], document_id=entry["doc_id"])
        for name in gt.get("labelled_fields", []):
            if name == "line_items":
                ok = _lines_equal(gt[name], extracted.line_items)
            elif name in MONEY:
                ok = _num_equal(gt[name], extracted.get(GT_TO_FIELD[name]))
            else:
                ok = _norm(gt[name]) == _norm(extracted.get(GT_TO_FIELD[name]) or "")
            right[name] += ok
            if not ok:
                got = (
                    extracted.line_items
                    if name == "line_items"
                    else extracted.get(GT_TO_FIELD[name])
                )
                errors.append(f"{entry['doc_id']}: {name} expected {gt[name]!r} got {got!r}")
        printed = _printed_text(data)
        issues = cross_check(extracted, printed)
        flagged = {i.field for i in issues if i.code == "einvoice_print_mismatch"}
        mismatch_docs += bool(flagged)
        mismatch_fields.update(flagged)
        qa = gt.get("qa_visible_in_pdftotext", {})
        for gt_name, field in (
            ("invoice_number", "invoice_number"),
            ("total", "total_amount"),
            ("tax", "tax_amount"),
            ("date", "invoice_date"),
        ):
            if gt_name in qa:
                mismatch_vs_qa[
                    f"{'flagged' if field in flagged else 'passed'}/{'visible' if qa[gt_name] else 'not_visible'}"
                ] += 1
        tampered = _tamper(extracted)
        caught.update(i.field for i in cross_check(tampered, printed) if i.code == MISMATCH_CODE)
    seconds = time.perf_counter() - started
    report = {
        "pdfs": pdfs,
        "xml_found": found,
        "fields": {
            name: {
                "right": right[name],
                "labelled": labelled[name],
                "accuracy": round(right[name] / labelled[name], 4) if labelled[name] else None,
            }
            for name in sorted(labelled)
        },
        "cross_check": {
            "docs_with_mismatch": mismatch_docs,
            "fields": dict(mismatch_fields),
            "vs_ground_truth_visibility": dict(mismatch_vs_qa),
            "tampered_values_caught": dict(caught),
        },
        "seconds": round(seconds, 2),
    }
    if verbose:
        report["errors"] = errors
    return report


def print_report(report: dict) -> None:
    print(
        f"PDFs: {report['pdfs']}  e-invoice XML found: {report['xml_found']}  ({report['seconds']} s)"
    )
    print(f"{'field':<16}{'right':>7}{'of':>6}{'accuracy':>10}")
    for name, row in report["fields"].items():
        acc = f"{row['accuracy']:.1%}" if row["accuracy"] is not None else "-"
        print(f"{name:<16}{row['right']:>7}{row['labelled']:>6}{acc:>10}")
    cc = report["cross_check"]
    print(
        f"cross_check: {cc['docs_with_mismatch']} documents with a print mismatch; by field {cc['fields']}"
    )
    print(f"cross_check vs ground-truth visibility: {cc['vs_ground_truth_visibility']}")
    print(
        f"cross_check on tampered values (number+'7', total+0.10, tax+1.00, date+1 day), "
        f"caught of {report['xml_found']}: {cc['tampered_values_caught']}"
    )
    for line in report.get("errors", []):
        print("  " + line)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong field")


BENCHMARK = Benchmark(
    name="einvoice_accuracy",
    description=__doc__.splitlines()[0],
    add_arguments=_arguments,
    measure=lambda args, folder: evaluate(args.dataset, verbose=args.verbose),
    print_report=print_report,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
