"""Fit the calibrated field confidences of the decision (``make train`` runs it after the scorer).

Usage: ``python bench/calibrate.py [--quick] [--out FILE] [--min-count N]
[--vendors N] [--vendor-seed 1 [2 ...]] [--vendor-only]``.

Training corpora only, the same as ``bench/train_extractor.py``'s (the first generator,
seed 0; the second generator, corpus seed 1; ``zugferd-dev``'s printed text) plus
``zugferd-dev``'s embedded XML (every file, the e-invoice source kind). Each document is
read once (the OCR cache of ``train_extractor.py``), extracted by the rules alone and by
the rules with the learned scorer, and validated; every labelled key field gives one
sample: its source kind (``text_layer``, ``ocr``, ``xml``; the LLM has no labelled
answers here, so it gets no threshold and never auto-approves), its raw input (the
scorer's probability where the value carries one, else the extractor's confidence) and
whether the value is right (``bench/accuracy.py``'s ``field_right``). Per field, source
and input, an isotonic regression maps the input to P(right). The scorer's probabilities
are cross-fitted: each training corpus is read with the scorer fitted without it (left by
``bench/train_extractor.py`` in ``--cache`` for the shipped model; without them only
``--quick`` runs, in-sample), because the shipped scorer, fitted on every training corpus,
is surer of its own training documents than of layouts it has never seen. The threshold is chosen
on out-of-fold probabilities (5 folds by document; copies of one e-invoice share a fold): the least one whose values reach ``--precision``
(0.995) with at least ``--min-count`` of them; none qualifies, or fewer than
``--min-count`` samples: no threshold, that field and source cannot auto-approve. Writes
``invoice_pipeline/processing/evaluate/calibration.json``
(:class:`~invoice_pipeline.processing.evaluate.calibration.CalibrationFile`).

Values read through a vendor profile have their own input, ``vendor_profile``: they come
from ``bench/vendor_memory.py``'s streams built with ``--vendor-seed`` (1 2 3; its report uses
seed 0), ``--vendors`` vendors of ``--per-vendor`` invoices, the first of each confirmed
in review; folds by vendor. ``--vendor-only`` fits just those keys and keeps every other
entry of the file written before (``--out``) as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO_ROOT, print_table, quiet_logs  # noqa: E402
from bench.accuracy import Document, field_right, load_dataset  # noqa: E402
from bench.train_extractor import (  # noqa: E402
    SHARED,
    TRAIN_GEN2_SEED,
    cross_fitted,
    generate,
    read_ocr,
)
from invoice_pipeline.processing.evaluate.calibration import (  # noqa: E402
    CALIBRATION_FILE,
    CALIBRATION_VERSION,
    CalibrationFile,
    FieldCalibration,
    calibration_key,
    source_kind,
)
from invoice_pipeline.schema import KEY_FIELDS  # noqa: E402

Sample = tuple[str, str, str, float, int, str, str, bool]
"""(field, source, input, raw value, right, corpus, document group, approvable)."""


def approvable(invoice: Any) -> bool:
    """Whether every other blocking check of the decision passes (the confidences aside).

    Only such documents can be approved, so the thresholds are chosen among them: the
    precision that matters is that of what the rest of the decision lets through.
    """
    from invoice_pipeline.processing.evaluate import evaluate

    ev = evaluate(invoice, ocr_confidence=invoice.ocr_confidence, calibration=False)
    ignored = {"field_confidence", "field_confidence_low"}
    return not any(c.blocking and not c.passed and c.name not in ignored for c in ev.checks)


def _samples_of(doc: Document, invoice: Any, corpus: str, group: str) -> list[Sample]:
    gate = approvable(invoice)
    source = source_kind(invoice.extractor, invoice.ocr_engine)
    values = invoice.model_dump(mode="json")
    out: list[Sample] = []
    for name in KEY_FIELDS:
        if name not in doc.truth or values.get(name) in (None, "") or source is None:
            continue
        ev = invoice.evidence.get(name)
        if ev is None:
            continue
        kind, raw = ("score", ev.score) if ev.score is not None else ("confidence", ev.confidence)
        right = int(field_right(name, doc.truth[name], values.get(name)))
        out.append((name, source, kind, float(raw), right, corpus, group, gate))
    return out


def _xml_ocr(doc: Document) -> Any:
    """The document as the pipeline reads an e-invoice: its embedded XML."""
    from invoice_pipeline.processing.extract.einvoice import find_embedded_xml
    from invoice_pipeline.schema import OcrDocument

    found = find_embedded_xml(doc.path.read_bytes())
    if found is None:
        return None
    ocr = OcrDocument(document_id=doc.path.stem, engine="text_layer")
    ocr.xml = found[1].decode("utf-8", errors="replace")
    return ocr


def vendor_samples(args: argparse.Namespace) -> list[Sample]:
    """The key fields read through a vendor profile on a training vendor stream."""
    from bench.vendor_memory import training_stream
    from invoice_pipeline.processing.evaluate.calibration import input_kind

    if args.vendors < 1:
        return []
    kinds = ["pdf", "scan", "photo"]
    stream = [
        (doc, invoice, f"{seed}:{vendor}")
        for seed in args.vendor_seed
        for doc, invoice, vendor in training_stream(args.vendors, args.per_vendor, kinds, seed)
    ]
    out: list[Sample] = []
    for doc, invoice, vendor in stream:
        if invoice is None:
            continue
        gate = approvable(invoice)
        source = source_kind(invoice.extractor, invoice.ocr_engine)
        values = invoice.model_dump(mode="json")
        for name in KEY_FIELDS:
            ev = invoice.evidence.get(name)
            if name not in doc.truth or values.get(name) in (None, "") or source is None:
                continue
            if ev is None or input_kind(ev) != "vendor_profile":
                continue
            right = int(field_right(name, doc.truth[name], values.get(name)))
            group = f"vendors:{vendor}"
            out.append((name, source, "vendor_profile", float(ev.confidence), right,
                        "vendors", group, gate))  # fmt: skip
    return out


def collect(args: argparse.Namespace) -> list[Sample]:
    """Every labelled key field of the training corpora, read by both extractors."""
    from invoice_pipeline.processing import stages
    from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor

    rules, shipped = RulesExtractor(), RulesExtractor(scorer=True)
    left_out = {c: RulesExtractor(scorer=True, model=m) for c, m in args.left_out.items()}
    jobs: list[tuple[Document, str, str, bool]] = []
    for folder in generate(args.cache, args.gen1, args.gen2):
        corpus = folder.name.split("-", 1)[0]
        jobs += [(d, corpus, f"{corpus}:{d.path.name}", False) for d in load_dataset(folder)[1]]
    zugferd: list[Document] = []
    if args.zugferd and (args.zugferd / "manifest.jsonl").exists():
        zugferd = [d for d in load_dataset(args.zugferd)[1] if d.path.suffix.lower() == ".pdf"]
        zugferd = zugferd[:8] if args.quick else zugferd
        seen: set[str] = set()
        for d in zugferd:
            group = str(d.extra.get("dup_group") or d.extra.get("doc_id"))
            if group not in seen:
                seen.add(group)
                jobs.append((d, "zugferd", f"zugferd:{group}", True))
    samples: list[Sample] = []
    for n, (doc, corpus, group, printed) in enumerate(jobs, 1):
        ocr = read_ocr(doc, args.cache, printed_only=printed)
        for extractor in (rules, left_out.get(corpus, shipped)):
            invoice = stages.validate(stages.extract(ocr, extractor), ocr)
            samples += _samples_of(doc, invoice, corpus, group)
        if n % 100 == 0:
            print(f"{n}/{len(jobs)} documents read", flush=True)
    for d in zugferd:  # every file's XML: the e-invoice source kind
        ocr = _xml_ocr(d)
        if ocr is not None:
            invoice = stages.validate(stages.extract(ocr, rules), ocr)
            group = f"zugferd:{d.extra.get('dup_group') or d.extra.get('doc_id')}"
            samples += _samples_of(d, invoice, "zugferd-xml", group)
    return samples


def _isotonic(x: Any, y: Any) -> Any:
    """Isotonic P(right) of the input, anchored at (0, 0): below the least input seen it
    falls towards 0 instead of keeping the lowest fitted value (a value the fit has not
    seen so low is not trusted)."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression

    x, y = np.append(x, 0.0), np.append(y, 0.0)
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, y)


def out_of_fold(x: Any, y: Any, groups: Any) -> Any:
    """Each sample's P(right) from a calibrator fitted without its fold (5 folds by document).

    Folds by document, not by corpus: the errors sit in one corpus (the second generator),
    and a calibrator fitted without it has seen no error at all.
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold

    p = np.full(len(y), np.nan)
    k = min(5, len(set(groups.tolist())))
    splits = list(GroupKFold(n_splits=k).split(x, y, groups)) if k >= 2 else []
    for fit, held in splits:
        if len(fit) and len(held):
            p[held] = _isotonic(x[fit], y[fit]).predict(x[held])
    return p


def choose_threshold(p: Any, y: Any, target: float, min_count: int) -> tuple[float | None, Any]:
    """The least out-of-fold P(right) whose values reach ``target`` precision, >= min_count."""
    import numpy as np

    ok = ~np.isnan(p)
    p, y = p[ok], y[ok]
    best: tuple[float | None, Any] = (None, (None, 0))
    for t in sorted(set(p.tolist()), reverse=True):
        chosen = p >= t
        n = int(chosen.sum())
        precision = float(y[chosen].mean())
        if precision >= target and n >= min_count:
            best = (round(t, 6), (round(precision, 4), n))
    return best


def fit(samples: list[Sample], target: float, min_count: int) -> dict[str, FieldCalibration]:
    """One isotonic calibrator and threshold per field, source and input."""
    import numpy as np

    by_key: dict[tuple[str, str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        by_key[s[:3]].append(s)
    out: dict[str, FieldCalibration] = {}
    for (name, source, kind), every in sorted(by_key.items()):
        rows = [r for r in every if r[7]]
        scope = "values of approvable documents"
        if len(rows) < min_count:  # too few approvable: all values, a harder test
            rows, scope = every, "all values (too few approvable documents)"
        x = np.asarray([r[3] for r in rows], dtype=float)
        y = np.asarray([r[4] for r in rows], dtype=float)
        groups = np.asarray([r[6] for r in rows])
        iso = _isotonic(x, y)
        found = FieldCalibration(
            field=name,
            source=source,
            input=kind,  # type: ignore[arg-type]
            x=[round(float(v), 6) for v in iso.X_thresholds_],
            y=[round(float(v), 6) for v in iso.y_thresholds_],
            count=len(rows),
            right=int(y.sum()),
        )
        if len(rows) < min_count:
            found.note = f"only {len(rows)} labelled values (< {min_count})"
        else:
            threshold, (precision, n) = choose_threshold(
                out_of_fold(x, y, groups), y, target, min_count
            )
            found.threshold, found.cv_precision, found.cv_approved = threshold, precision, n
            found.note = f"fitted on {scope}"
            if threshold is None:
                found.note += f"; no threshold reaches {target:.1%} precision on {min_count}+"
        out[calibration_key(name, source, kind)] = found
    return out


def _vendor_corpus(args: argparse.Namespace) -> str:
    return (
        f"bench/vendor_memory.py stream seed {','.join(map(str, args.vendor_seed))}, "
        f"{args.vendors} vendors x "
        f"{args.per_vendor} (first confirmed), later invoices' vendor-profile values"
    )


def _vendor_only(args: argparse.Namespace, min_count: int) -> CalibrationFile:
    """The file at ``--out`` with only its ``vendor_profile`` entries fitted again."""
    before = CalibrationFile.model_validate_json(args.out.read_text(encoding="utf-8"))
    fitted = fit(vendor_samples(args), args.precision, min_count)
    kept = {k: c for k, c in before.fields.items() if c.input != "vendor_profile"}
    return before.model_copy(
        update={
            "version": CALIBRATION_VERSION,
            "fields": {**kept, **fitted},
            "corpora": {**before.corpora, "vendors": _vendor_corpus(args)},
        }
    )


def _full(args: argparse.Namespace, min_count: int, model: Any) -> CalibrationFile:
    """Every entry fitted from the training corpora (and the vendor stream)."""
    from invoice_pipeline.processing.extract.scorer.model import MODEL_FILE

    args.left_out = cross_fitted(args.cache, MODEL_FILE)
    if not args.left_out and not args.quick:
        raise SystemExit(
            f"no scorers fitted without each training corpus for {MODEL_FILE} in "
            f"{args.cache}: run bench/train_extractor.py first (make train runs both)"
        )
    if args.samples is not None and args.samples.exists():
        samples = [tuple(s) for s in json.loads(args.samples.read_text())]
    else:
        samples = collect(args) + vendor_samples(args)
        if args.samples is not None:
            args.samples.write_text(json.dumps(samples))
    calibration = CalibrationFile(
        created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        corpora={
            "gen1": f"invoice_pipeline.samples seed 0, {args.gen1} documents, pdf+scan",
            "gen2": f"invoice_pipeline.samples.second seed {TRAIN_GEN2_SEED}, "
            f"{args.gen2} documents, pdf+scan+photo",
            "zugferd": "zugferd-dev printed text, one per dup_group",
            "zugferd-xml": "zugferd-dev embedded XML, every file",
            "scorer": (
                f"each corpus scored by the scorer fitted without it ({', '.join(sorted(args.left_out))})"
                if args.left_out
                else "in-sample: the shipped scorer (no left-out scorers; --quick)"
            ),
        },
        target_precision=args.precision,
        min_count=min_count,
        scorer_model=f"version {model.version}, {model.info.get('documents')} documents",
        fields=fit(samples, args.precision, min_count),
    )
    if args.vendors:
        calibration.corpora["vendors"] = _vendor_corpus(args)
    return calibration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpora (tests)")
    parser.add_argument("--gen1", type=int, default=None, help="first-generator documents")
    parser.add_argument("--gen2", type=int, default=None, help="second-generator documents")
    parser.add_argument("--zugferd", type=Path, default=SHARED / "zugferd-dev")
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / ".local" / "train-extractor")
    parser.add_argument("--out", type=Path, default=CALIBRATION_FILE)
    parser.add_argument("--precision", type=float, default=0.995)
    parser.add_argument("--min-count", type=int, default=None)
    parser.add_argument("--samples", type=Path, default=None, help="cache of the samples (JSON)")
    parser.add_argument("--vendors", type=int, default=None, help="training vendors (30)")
    parser.add_argument("--per-vendor", type=int, default=6)
    parser.add_argument(
        "--vendor-seed",
        type=int,
        nargs="+",
        default=[1, 2, 3],
        help="one or more; never the report's 0",
    )
    parser.add_argument(
        "--vendor-only", action="store_true", help="fit only the vendor_profile keys of --out"
    )
    args = parser.parse_args(argv)
    args.vendors = args.vendors if args.vendors is not None else (0 if args.quick else 30)
    if args.vendors and 0 in args.vendor_seed:
        parser.error("--vendor-seed 0 is the report's stream (bench/vendor_memory.py)")
    args.gen1 = args.gen1 if args.gen1 is not None else (8 if args.quick else 200)
    args.gen2 = args.gen2 if args.gen2 is not None else (8 if args.quick else 400)
    min_count = args.min_count if args.min_count is not None else (5 if args.quick else 50)
    quiet_logs()
    from invoice_pipeline.processing.extract.scorer.model import load_model

    if args.vendor_only:
        calibration = _vendor_only(args, min_count)
    else:
        calibration = _full(args, min_count, load_model())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(calibration.model_dump_json(indent=1) + "\n", encoding="utf-8")
    rows = [
        [c.field, c.source, c.input, c.count, c.right, c.threshold, c.cv_precision]
        + [c.cv_approved, c.note]
        for c in calibration.fields.values()
    ]
    print_table(
        ["field", "source", "input", "n", "right", "threshold", "cv precision", "cv n", "note"],
        rows,
        title=f"calibration written to {args.out}",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
