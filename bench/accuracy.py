"""Field accuracy of the whole pipeline against ground truth, per dataset, kind and engine.

Usage: ``python bench/accuracy.py DATASET_DIR... [--engines auto,tesseract]
[--provider rules] [--limit N]``.

A dataset folder is either a generated corpus (``python -m
invoice_pipeline.samples DIR --kinds pdf,scan,photo``: files with
``<stem>.truth.json`` beside them; reported as born-digital, scans and photos)
or a folder in the layout of ``shared/data`` (``manifest.jsonl``,
``gt/<doc_id>.json``; reported by ``doc_type``, and only the
``labelled_fields`` of each record count). Each dataset runs through the real
pipeline (``runner.process`` on a temporary embedded instance, so validation
and evaluation decide approval) with the first engine of ``--engines``
(``auto``: the text layer where there is one, else rapidocr); every further
engine gets a second row on the generated scans (``--other-engines-on`` widens
that). Per field: numbers to the cent, dates as dates, ids and codes exact after
normalisation (whitespace and case, a leading ``#``; VAT ids and IBANs
compacted), names and addresses fuzzy (rapidfuzz ratio >= 90 on lower-cased
alphanumerics; names also count when they match without their legal form,
``Amazon Web Services`` for ``Amazon Web Services, Inc.``). Line
items are matched one to one by amount (unit price where the truth has no
amount) and description similarity, giving precision, recall and F1. Also the
share of documents with every labelled key field right (invoice number, date,
total, currency, seller), the approved rate, and the approved precision (the
share of approved documents with every labelled key field right) with its 95%
Wilson interval; every wrongly approved document is listed with its wrong key
fields (expected and got). Addresses
compare their parts in any order (``DE 12345 Berlin`` is ``12345 Berlin, DE``),
and a salutation (``Herrn``) is no part of a name.

E-invoices (PDFs with embedded XML, such as zugferd-dev) are read from their
XML by the pipeline; ``--printed`` (on by default) also reads one copy of each
of them from its printed text alone, text layer and rules, the XML ignored
(engine ``printed text``): real invoice layouts with exact ground truth, for
the rules extractor. Prints tables, writes ``bench/results/accuracy.json`` and
``accuracy.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/accuracy.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    Stopwatch,
    heatmap,
    pipeline_env,
    print_table,
    quiet_logs,
    wilson_interval,
)
from bench._main import Benchmark, run_benchmark  # noqa: E402
from invoice_pipeline.schema import KEY_FIELDS, TEXT_FIELDS  # noqa: E402

FIELDS = (*TEXT_FIELDS, "line_items")
PRINTED = "printed text"
"""The engine name of the runs that read e-invoices from their printed text alone."""
MONEY = {"subtotal", "tax_amount", "total_amount"}
DATES = {"invoice_date", "due_date"}
FUZZY = {"seller_name", "seller_address", "buyer_name", "buyer_address"}
FUZZY_THRESHOLD = 90.0
ITEM_DESCRIPTION_THRESHOLD = 60.0
SHARED_TO_FIELD = {
    "invoice_number": "invoice_number",
    "date": "invoice_date",
    "due_date": "due_date",
    "seller": "seller_name",
    "seller_address": "seller_address",
    "buyer": "buyer_name",
    "buyer_address": "buyer_address",
    "currency": "currency",
    "subtotal": "subtotal",
    "tax": "tax_amount",
    "total": "total_amount",
    "line_items": "line_items",
}
GENERATED_GROUPS = {"pdf": "born-digital", "scan": "scans", "photo": "photos"}


# ------------------------------------------------------------------ datasets


@dataclass
class Document:
    """One file with its truth: field -> expected value, for the labelled fields only."""

    path: Path
    group: str
    kind: str
    truth: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def _generated(folder: Path) -> list[Document]:
    from invoice_pipeline.samples import load_corpus

    docs = []
    for sample in load_corpus(folder):
        record = sample.truth.model_dump(mode="json")
        truth: dict[str, Any] = {}
        for name in FIELDS:
            value = record.get(name)
            if name == "line_items":
                if value:
                    truth[name] = value
            elif value not in (None, ""):
                truth[name] = value
        docs.append(
            Document(
                sample.path,
                GENERATED_GROUPS.get(sample.kind, sample.kind),
                sample.kind,
                truth,
                {"pages": sample.pages, "locale": sample.locale, "layout": sample.layout},
            )
        )
    return docs


def _shared(folder: Path) -> list[Document]:
    docs = []
    for line in (folder / "manifest.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        gt = json.loads((folder / "gt" / f"{entry['doc_id']}.json").read_text())
        labelled = gt.get("labelled_fields") or entry.get("labelled_fields") or []
        truth = {SHARED_TO_FIELD[n]: gt[n] for n in labelled if n in SHARED_TO_FIELD and n in gt}
        extra = {k: gt[k] for k in ("dup_group", "qa_all_visible") if k in gt}
        docs.append(
            Document(
                folder / entry["file"],
                entry.get("doc_type", "document"),
                entry.get("doc_type", "document"),
                truth,
                {"doc_id": entry["doc_id"], **extra},
            )
        )
    return docs


def load_dataset(folder: Path) -> tuple[str, list[Document]]:
    """("generated" or "manifest", documents) for a dataset folder."""
    if (folder / "manifest.jsonl").exists():
        return "manifest", _shared(folder)
    if any(folder.glob("*.truth.json")):
        return "generated", _generated(folder)
    raise ValueError(f"{folder}: neither manifest.jsonl nor *.truth.json files")


# ----------------------------------------------------------------- compare


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        from invoice_pipeline.processing.validate.amounts import parse_amount

        return parse_amount(str(value))


def _processed(text: Any) -> str:
    from rapidfuzz.utils import default_process

    return default_process(str(text or ""))


def _id(text: Any) -> str:
    """Whitespace removed, case folded, a leading ``#`` or trailing ``:``/``.`` dropped."""
    return re.sub(r"\s+", "", str(text or "")).casefold().strip("#:.;,")


SALUTATION = re.compile(r"^(?:herrn?|frau|mr|mrs|ms|monsieur|madame|mme)\b\.?\s*", re.IGNORECASE)


def _names_alike(expected: Any, got: Any) -> bool:
    """Fuzzy ratio >= 90 on the text, or on both names without their legal form (Inc., GmbH);
    a leading salutation ("Herrn", "Mrs") is left out on both sides."""
    from rapidfuzz import fuzz

    from invoice_pipeline.processing.validate.text import name_key

    expected, got = (SALUTATION.sub("", str(v).strip()) for v in (expected, got))
    if fuzz.ratio(_processed(expected), _processed(got)) >= FUZZY_THRESHOLD:
        return True
    a, b = name_key(str(expected)), name_key(str(got))
    return bool(a and b and fuzz.ratio(a, b) >= FUZZY_THRESHOLD)


def field_right(name: str, expected: Any, got: Any) -> bool:
    """Whether ``got`` (the record's value) counts as ``expected`` for field ``name``."""
    from rapidfuzz import fuzz

    from invoice_pipeline.processing.validate.ids import normalise_iban, normalise_vat_id

    if got is None or got == "":
        return False
    if name in MONEY:
        a, b = _decimal(expected), _decimal(got)
        return a is not None and b is not None and abs(a - b) < Decimal("0.005")
    if name in DATES:
        try:
            return dt.date.fromisoformat(str(expected)[:10]) == dt.date.fromisoformat(str(got)[:10])
        except ValueError:
            return _id(expected) == _id(got)
    if name in ("seller_name", "buyer_name"):
        return _names_alike(expected, got)
    if name in ("seller_address", "buyer_address"):
        # the same parts in another order: "DE 12345 Berlin" for "12345 Berlin, DE"
        return fuzz.token_sort_ratio(_processed(expected), _processed(got)) >= FUZZY_THRESHOLD
    if name in FUZZY:
        return fuzz.ratio(_processed(expected), _processed(got)) >= FUZZY_THRESHOLD
    if name in ("seller_vat_id", "buyer_vat_id"):
        return (normalise_vat_id(str(expected))[0] or _id(expected)) == (
            normalise_vat_id(str(got))[0] or _id(got)
        )
    if name == "iban":
        return (normalise_iban(str(expected))[0] or _id(expected)) == (
            normalise_iban(str(got))[0] or _id(got)
        )
    if name == "currency":
        return str(expected).strip().upper() == str(got).strip().upper()
    return _id(expected) == _id(got)


def match_items(truth: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> int:
    """One-to-one matches: numbers agree (amount, else unit price) and descriptions are alike."""
    from rapidfuzz import fuzz

    def number(item: dict[str, Any], key: str) -> Decimal | None:
        return _decimal(item.get(key))

    candidates: list[tuple[float, int, int]] = []
    for i, want in enumerate(truth):
        key = "amount" if want.get("amount") is not None else "unit_price"
        target = number(want, key)
        for j, have in enumerate(predicted):
            if target is not None:
                value = number(have, key)
                if value is None or abs(value - target) >= Decimal("0.005"):
                    continue
            score = 100.0
            if want.get("description"):
                score = fuzz.token_set_ratio(
                    _processed(want["description"]), _processed(have.get("description"))
                )
                needed = ITEM_DESCRIPTION_THRESHOLD if target is not None else 80.0
                if score < needed:
                    continue
            candidates.append((score, i, j))
    used_t: set[int] = set()
    used_p: set[int] = set()
    matched = 0
    for _, i, j in sorted(candidates, reverse=True):
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
            matched += 1
    return matched


def score_document(doc: Document, record: Any) -> dict[str, Any]:
    """Per-field verdicts, line-item counts and the decision for one document."""
    got = record.model_dump(mode="json")
    fields: dict[str, bool] = {}
    wrong: dict[str, Any] = {}
    items = {"truth": 0, "predicted": 0, "matched": 0}
    for name, expected in doc.truth.items():
        if name == "line_items":
            predicted = got.get("line_items") or []
            items = {
                "truth": len(expected),
                "predicted": len(predicted),
                "matched": match_items(expected, predicted),
            }
            fields[name] = items["matched"] == len(expected) == len(predicted)
        else:
            fields[name] = field_right(name, expected, got.get(name))
        if not fields[name] and name != "line_items":
            wrong[name] = {"expected": expected, "got": got.get(name)}
    keys = [fields[k] for k in KEY_FIELDS if k in fields]
    return {
        "file": doc.path.name,
        "group": doc.group,
        "status": record.status,
        "duplicate_of": record.duplicate_of,
        "fields": fields,
        "key_fields_labelled": len(keys),
        "all_key_fields_right": all(keys) if keys else None,
        "line_items": items,
        "wrong": wrong,
        **doc.extra,
    }


def summarise(scored: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy per field, line-item P/R/F1, all-key-fields share, approval figures."""
    right: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    for s in scored:
        for name, ok in s["fields"].items():
            labelled[name] += 1
            right[name] += ok
    tp = sum(s["line_items"]["matched"] for s in scored)
    n_truth = sum(s["line_items"]["truth"] for s in scored)
    n_pred = sum(s["line_items"]["predicted"] for s in scored if s["line_items"]["truth"])
    precision = tp / n_pred if n_pred else None
    recall = tp / n_truth if n_truth else None
    f1 = 2 * tp / (n_truth + n_pred) if n_truth + n_pred else None
    with_keys = [s for s in scored if s["all_key_fields_right"] is not None]
    approved = [s for s in scored if s["status"] == "approved"]
    approved_keyed = [s for s in approved if s["all_key_fields_right"] is not None]
    approved_right = sum(s["all_key_fields_right"] for s in approved_keyed)
    interval = wilson_interval(approved_right, len(approved_keyed))
    return {
        "documents": len(scored),
        "fields": {
            name: {
                "right": right[name],
                "labelled": labelled[name],
                "accuracy": round(right[name] / labelled[name], 4),
            }
            for name in FIELDS
            if labelled[name]
        },
        "line_items": {
            "truth": n_truth,
            "predicted": n_pred,
            "matched": tp,
            "precision": None if precision is None else round(precision, 4),
            "recall": None if recall is None else round(recall, 4),
            "f1": None if f1 is None else round(f1, 4),
        },
        "all_key_fields_right": (
            round(sum(s["all_key_fields_right"] for s in with_keys) / len(with_keys), 4)
            if with_keys
            else None
        ),
        "documents_with_key_fields": len(with_keys),
        "statuses": dict(Counter(s["status"] for s in scored)),
        "duplicates_flagged": sum(bool(s["duplicate_of"]) for s in scored),
        "approved_rate": round(len(approved) / len(scored), 4) if scored else None,
        "approved_precision": (
            round(approved_right / len(approved_keyed), 4) if approved_keyed else None
        ),
        "approved_precision_n": len(approved_keyed),
        "approved_precision_ci95": [round(v, 4) for v in interval] if interval else None,
        "wrongly_approved": [
            {
                "file": s.get("file"),
                "wrong": {k: v for k, v in s.get("wrong", {}).items() if k in KEY_FIELDS},
            }
            for s in approved_keyed
            if not s["all_key_fields_right"]
        ],
    }


# -------------------------------------------------------------------- runs


def run_pipeline(
    docs: list[Document], *, engine: str, provider: str, workdir: Path
) -> tuple[list[Any], float]:
    """Records for ``docs`` from a fresh embedded instance; seconds for the whole process()."""
    from invoice_pipeline import runner
    from invoice_pipeline.definitions import build_definitions

    with pipeline_env(workdir, OCR_ENGINE=engine, LLM_PROVIDER=provider), Stopwatch() as sw:
        instance = runner.get_instance()
        try:
            records = runner.process(
                [str(d.path) for d in docs], defs=build_definitions(), instance=instance
            )
        finally:
            instance.dispose()
    return records, sw.seconds


def printed_text_records(docs: list[Document]) -> tuple[list[Document], list[Any], float]:
    """One copy of each e-invoice read from its printed text alone (text layer and rules).

    The embedded XML is left out, so the record is what the rules extractor makes of
    the page; validation and evaluation run as in the pipeline (without duplicates,
    since each invoice is read once). Copies (same ``dup_group``) count once.
    """
    from invoice_pipeline.processing import stages
    from invoice_pipeline.processing.extract.einvoice import find_embedded_xml
    from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
    from invoice_pipeline.processing.imaging import pdf
    from invoice_pipeline.processing.ocr.text_layer import read_text_layer
    from invoice_pipeline.schema import OcrDocument

    extractor = RulesExtractor()
    chosen, records, seen = [], [], set()
    with Stopwatch() as sw:
        for doc in docs:
            group = doc.extra.get("dup_group") or doc.extra.get("doc_id") or doc.path.name
            if doc.path.suffix.lower() != ".pdf" or group in seen:
                continue
            data = doc.path.read_bytes()
            if not find_embedded_xml(data):
                continue
            seen.add(group)
            pages = read_text_layer(data, range(1, pdf.page_count(data) + 1))
            ocr = OcrDocument(document_id=doc.path.stem, engine="text_layer", pages=pages)
            evaluation = stages.evaluate(stages.validate(extractor.extract(ocr), ocr))
            chosen.append(doc)
            records.append(evaluation.record)
    return chosen, records, sw.seconds


def _run(
    folder: Path,
    kind: str,
    provider: str,
    engine: str,
    chosen: list[Document],
    records: list[Any],
    seconds: float,
) -> dict[str, Any]:
    scored = [score_document(d, r) for d, r in zip(chosen, records, strict=True)]
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in scored:
        by_group[s["group"]].append(s)
    return {
        "dataset": folder.name,
        "path": str(folder),
        "format": kind,
        "provider": provider,
        "engine": engine,
        "documents": len(chosen),
        "seconds": round(seconds, 2),
        "seconds_per_document": round(seconds / len(chosen), 3) if chosen else None,
        "all": summarise(scored),
        "groups": {g: summarise(v) for g, v in sorted(by_group.items())},
        "documents_detail": scored,
    }


def measure(
    datasets: list[Path],
    *,
    engines: tuple[str, ...] = ("auto", "tesseract"),
    provider: str = "rules",
    other_engines_on: tuple[str, ...] = ("scan",),
    limit: int | None = None,
    printed: bool = True,
) -> dict[str, Any]:
    """Every dataset through the pipeline; summaries per dataset, group and engine."""
    quiet_logs()
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-accuracy-") as tmp:
        for n, folder in enumerate(datasets):
            kind, docs = load_dataset(folder)
            if limit:
                docs = docs[:limit]
            for e, engine in enumerate(engines):
                chosen = docs
                if e > 0:
                    chosen = [d for d in docs if kind == "generated" and d.kind in other_engines_on]
                    if not chosen:
                        continue
                label = f"{provider} + {engine}" + (
                    " (text layer, else rapidocr)" * (engine == "auto")
                )
                print(f"{folder.name}: {len(chosen)} documents, {label} ...", flush=True)
                records, seconds = run_pipeline(
                    chosen,
                    engine=engine,
                    provider=provider,
                    workdir=Path(tmp) / f"{n}-{engine}",
                )
                runs.append(_run(folder, kind, provider, engine, chosen, records, seconds))
            if printed and kind != "generated":
                chosen, records, seconds = printed_text_records(docs)
                if chosen:
                    print(f"{folder.name}: {len(chosen)} e-invoices, printed text only ...")
                    runs.append(_run(folder, kind, "rules", PRINTED, chosen, records, seconds))
    return {
        "settings": {
            "engines": list(engines),
            "provider": provider,
            "other_engines_on": list(other_engines_on),
            "limit": limit,
            "printed": printed,
            "fuzzy_threshold": FUZZY_THRESHOLD,
            "key_fields": list(KEY_FIELDS),
        },
        "runs": runs,
    }


def _columns(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    cols = []
    for run in report["runs"]:
        engine = "" if run["engine"] == "auto" else f" {run['engine']}"
        groups = run["groups"]
        if len(groups) > 1:
            cols.append((f"{run['dataset']} all{engine}", run["all"]))
        for group, summary in groups.items():
            cols.append((f"{run['dataset']} {group}{engine}", summary))
    return cols


def print_report(report: dict[str, Any]) -> None:
    cols = _columns(report)
    rows = []
    for label, s in cols:
        li = s["line_items"]
        rows.append(
            [
                label,
                s["documents"],
                s["all_key_fields_right"],
                li["f1"],
                s["approved_rate"],
                s["approved_precision"],
                _interval(s),
                s["duplicates_flagged"],
                " ".join(f"{k}={v}" for k, v in sorted(s["statuses"].items())),
            ]
        )
    print_table(
        ["dataset / group / engine", "docs", "all key right", "items F1", "approved"]
        + ["approved prec.", "95% Wilson (n)", "dups", "statuses"],
        rows,
        title=f"Accuracy summary (provider {report['settings']['provider']}; key fields: "
        f"{', '.join(KEY_FIELDS)}; shares 0..1)",
    )
    for run in report["runs"]:
        print(
            f"{run['dataset']} with {run['engine']}: {run['documents']} documents in "
            f"{run['seconds']} s ({run['seconds_per_document']} s/doc)"
        )
    print_wrongly_approved(report)
    names = [f for f in FIELDS if any(f in s["fields"] for _, s in cols)]
    field_rows = []
    for name in names:
        row: list[object] = [name]
        for _, s in cols:
            f = s["fields"].get(name)
            row.append(f"{f['accuracy']:.0%} ({f['labelled']})" if f else "-")
        field_rows.append(row)
    print_table(
        ["field (accuracy, labelled n)", *[c[0] for c in cols]],
        field_rows,
        title="Per-field accuracy (line_items: every item matched and no extra)",
    )


def _interval(summary: dict[str, Any]) -> str:
    ci = summary.get("approved_precision_ci95")
    if not ci:
        return "-"
    return f"{ci[0]:.3f}-{ci[1]:.3f} ({summary.get('approved_precision_n', 0)})"


def print_wrongly_approved(report: dict[str, Any]) -> None:
    """Every approved document with a wrong key field, per run: file, field, expected, got."""
    for run in report["runs"]:
        wrong = run["all"].get("wrongly_approved") or []
        engine = "" if run["engine"] == "auto" else f" ({run['engine']})"
        print(f"\nWrongly approved in {run['dataset']}{engine}: {len(wrong) or 'none'}")
        for doc in wrong:
            for name, values in doc["wrong"].items() or [("?", {})]:
                print(
                    f"  {doc['file']}: {name} expected {values.get('expected')!r}, "
                    f"got {values.get('got')!r}"
                )


def chart(report: dict[str, Any], path: Path) -> Path | None:
    cols = [c for c in _columns(report) if " all" not in c[0]]
    if not cols:
        return None
    names = [f for f in FIELDS if any(f in s["fields"] for _, s in cols)]
    extra = ["all key fields", "line-item F1", "approved", "approved precision"]
    values = [
        [s["fields"][n]["accuracy"] if n in s["fields"] else None for _, s in cols] for n in names
    ]
    values += [
        [s["all_key_fields_right"] for _, s in cols],
        [s["line_items"]["f1"] for _, s in cols],
        [s["approved_rate"] for _, s in cols],
        [s["approved_precision"] for _, s in cols],
    ]
    return heatmap(
        path,
        f"Accuracy per field (provider {report['settings']['provider']})",
        [*names, *extra],
        [label for label, _ in cols],
        values,
    )


def _csv(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("datasets", type=Path, nargs="+", help="dataset folders")
    parser.add_argument(
        "--engines",
        type=_csv,
        default=("auto", "tesseract"),
        help="OCR_ENGINE values; the first on everything, the others on generated scans",
    )
    parser.add_argument(
        "--other-engines-on",
        type=_csv,
        default=("scan",),
        help="generated kinds the further engines run on (pdf, scan, photo)",
    )
    parser.add_argument("--provider", default="rules", help="LLM_PROVIDER (default: rules)")
    parser.add_argument("--limit", type=int, default=None, help="documents per dataset at most")
    parser.add_argument(
        "--printed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also read each e-invoice from its printed text alone (rules, XML ignored)",
    )


def _missing_folders(args: argparse.Namespace) -> str | None:
    missing = [str(d) for d in args.datasets if not d.is_dir()]
    return f"not a folder: {', '.join(missing)}" if missing else None


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    return measure(
        args.datasets,
        engines=args.engines,
        provider=args.provider,
        other_engines_on=args.other_engines_on,
        limit=args.limit,
        printed=args.printed,
    )


BENCHMARK = Benchmark(
    name="accuracy",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    chart=chart,
    check=_missing_folders,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
