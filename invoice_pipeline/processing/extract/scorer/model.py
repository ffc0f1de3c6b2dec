"""The learned scorer: load the shipped model once, score candidates, pick each key field.

``model.joblib`` (written by ``make train`` = ``bench/train_extractor.py``) holds one
scikit-learn classifier per key field (standardised features, logistic regression), the model format version, the feature list it
was trained with and how it was trained (corpora, counts). :func:`load_model` checks
the version and that the feature list is :data:`features.FEATURES` exactly, and caches
the model for the process. :func:`rescore` turns the rules extractor's result into
the scorer's: for each key field the candidate with the highest probability, where
it beats the rules' own pick by the field's margin (chosen by the training script with
each training corpus left out in turn); the currency follows the total's line where it prints one. The probability is not
calibrated, so the field keeps the rules' confidence (or a neutral one when the
rules found nothing there); the probability of each key field's pick is kept as
``FieldValue.score``, which the calibration of the decision maps to P(right).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit

from invoice_pipeline.processing.extract.rules.geometry import Ln
from invoice_pipeline.processing.extract.rules.parties import addressee_blocks
from invoice_pipeline.processing.extract.rules.roles import (
    ends_in_legal_form,
    name_problem,
    name_words,
)
from invoice_pipeline.processing.extract.rules.values import find_currency
from invoice_pipeline.processing.extract.scorer.candidates import (
    KEY_FIELDS,
    Candidate,
    build_context,
    generate,
    normalised,
)
from invoice_pipeline.processing.extract.scorer.features import (
    FEATURES,
    features,
)
from invoice_pipeline.schema import ExtractedInvoice, FieldValue

MODEL_VERSION = 1
MODEL_FILE = Path(__file__).with_name("model.joblib")
_NEUTRAL_CONFIDENCE = 0.5


class ModelMismatch(RuntimeError):
    """The model file is of another version or was trained on other features."""


@dataclass(frozen=True)
class ScorerModel:
    version: int
    features: tuple[str, ...]
    models: dict[str, Any]
    info: dict[str, Any]
    margins: dict[str, float]
    """Per field: how much more probable than the rules' pick a candidate must be."""
    linear: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)
    """Per field whose model is a standard scaler and a binary logistic regression: the
    scaler's mean and scale, the coefficients and the intercept (:func:`linear_parts`)."""

    def probabilities(self, field: str, rows: list[list[float]]) -> np.ndarray:
        model = self.models.get(field)
        if model is None or not rows:
            return np.zeros(len(rows))
        x = np.asarray(rows, dtype=float)
        parts = self.linear.get(field)
        if parts is None:
            return model.predict_proba(x)[:, 1]
        # scikit-learn's own arithmetic, in its order, without its per-call validation
        # (about a millisecond a document over four fields)
        mean, scale, coef_t, intercept = parts
        return expit(((x - mean) / scale @ coef_t + intercept).reshape(-1))


def linear_parts(model: Any) -> tuple[np.ndarray, ...] | None:
    """(mean, scale, coefficients transposed, intercept) of a pipeline of a standard
    scaler and a binary logistic regression; None for any other model."""
    steps = [step for _name, step in getattr(model, "steps", [])]
    if [type(step).__name__ for step in steps] != ["StandardScaler", "LogisticRegression"]:
        return None
    scaler, regression = steps
    if len(regression.classes_) != 2 or regression.coef_.shape[0] != 1:
        return None
    mean = scaler.mean_ if scaler.with_mean else np.zeros_like(regression.coef_[0])
    scale = scaler.scale_ if scaler.with_std else np.ones_like(regression.coef_[0])
    return mean, scale, regression.coef_.T, regression.intercept_


def check(data: dict[str, Any]) -> ScorerModel:
    """The model in ``data`` when its version and feature list are this code's."""
    if data.get("version") != MODEL_VERSION:
        raise ModelMismatch(
            f"model version {data.get('version')!r}, this code reads {MODEL_VERSION}"
        )
    if tuple(data.get("features", ())) != FEATURES:
        raise ModelMismatch("the model was trained on another feature list: run `make train`")
    return ScorerModel(
        MODEL_VERSION,
        FEATURES,
        dict(data["models"]),
        dict(data.get("info", {})),
        {k: float(v) for k, v in data.get("margins", {}).items()},
        {
            name: parts
            for name, model in data["models"].items()
            if (parts := linear_parts(model)) is not None
        },
    )


def read_model(path: Path) -> ScorerModel:
    import joblib

    return check(joblib.load(path))


@cache
def load_model() -> ScorerModel:
    """The shipped model, read and checked once per process (and, as the code location's
    definitions, kept out of the garbage collector's walks: ``gc.freeze``)."""
    model = read_model(MODEL_FILE)
    gc.freeze()
    return model


def candidate_rows(
    lines: list[Ln], sep: str, rules: ExtractedInvoice
) -> dict[str, tuple[list[Candidate], list[list[float]]]]:
    """Per key field: its candidates and their feature rows."""
    ctx = build_context(lines, sep, rules)
    out = {}
    for name, cands in generate(ctx).items():
        out[name] = (cands, [features(c, ctx, len(cands)) for c in cands])
    return out


def rescore(
    lines: list[Ln], sep: str, rules: ExtractedInvoice, model: ScorerModel | None = None
) -> ExtractedInvoice:
    """``rules`` with each key field set to its best-scored candidate."""
    model = model or load_model()
    result = rules.model_copy(deep=True)
    scored = candidate_rows(lines, sep, rules)
    probabilities = {n: model.probabilities(n, rows) for n, (_c, rows) in scored.items()}
    for name, (cands, _rows) in scored.items():
        if not cands or name not in KEY_FIELDS:
            continue
        probs = probabilities[name]
        if name == "total_amount":
            probs = np.where(tendered(_rows), 0.0, probs)
        if name == "seller_name":
            probs = np.where(not_names(cands), 0.0, probs)
            if _rules_pick(cands, rules.fields.get(name)) != int(np.argmax(probs)):
                probs = np.where(addressed(cands, lines), 0.0, probs)
        best = int(np.argmax(probs))
        old = rules.fields.get(name)
        fuller = None
        if name == "seller_name":
            pick = _rules_pick(cands, old)
            fuller = legal_name(cands, probs, pick if pick is not None else best)
            best = fuller if fuller is not None else best
        cand = cands[best]
        kept = result.fields.get(name)
        if old is not None and old.value and normalised(old.value) == normalised(cand.value):
            if kept is not None:
                kept.score = round(float(probs[best]), 4)
            continue
        pick = _rules_pick(cands, old)
        margin = model.margins.get(name, 0.0)
        if fuller is None and pick is not None and probs[best] - probs[pick] <= margin:
            if kept is not None:
                kept.score = round(float(probs[pick]), 4)
            continue
        src = cand.lines or [cand.line]
        result.fields[name] = FieldValue(
            value=cand.value,
            confidence=old.confidence if old is not None else _NEUTRAL_CONFIDENCE,
            line_ids=[ln.id for ln in src],
            page=cand.line.page,
            box=cand.line.line.box,
            score=round(float(probs[best]), 4),
        )
        if name == "total_amount":
            _currency_from(result, cand)
    return result


def addressed(cands: list[Candidate], lines: list[Ln]) -> np.ndarray:
    """Seller candidates in a block a label addresses ("Bill to", "Rechnung an", "Facturé
    à"): the buyer's, never the seller, while any candidate is outside such a block."""
    labelled = {b.index for block, by_label in addressee_blocks(lines) if by_label for b in block}
    flags = np.array([c.line.index in labelled for c in cands], dtype=bool)
    return flags if not flags.all() else np.zeros_like(flags)


def not_names(cands: list[Candidate]) -> np.ndarray:
    """Seller candidates that are no name (a sentence of a receipt's footer, a web address,
    a street, an id: :func:`~invoice_pipeline.processing.extract.rules.roles.name_problem`):
    never the seller, whatever their score, while any candidate is a name."""
    flags = np.array([name_problem(c.value) is not None for c in cands], dtype=bool)
    return flags if not flags.all() else np.zeros_like(flags)


_TENDER = [
    FEATURES.index(f"label_{g}_{p}")
    for g in ("paid", "change", "rounding")
    for p in ("line", "left")
]
_TOTAL = [FEATURES.index(f"label_total_{p}") for p in ("line", "left")]


def tendered(rows: list[list[float]]) -> np.ndarray:
    """Per amount candidate: labelled as cash tendered, change or rounding, not as a total.

    Such an amount is never the total (a rule, whatever the model says): its own line or
    the cell to its left carries a paid / change / rounding label more strongly than a
    total label.
    """
    if not rows:
        return np.zeros(0, dtype=bool)
    x = np.asarray(rows, dtype=float)
    tender, total = x[:, _TENDER].max(axis=1), x[:, _TOTAL].max(axis=1)
    return (tender >= 0.75) & (tender > total)


def legal_name(cands: list[Candidate], probs: np.ndarray, chosen: int) -> int | None:
    """A fuller name of the chosen seller: the likely candidate ending in a legal form that
    shares a word with a chosen name that does not ("Hagedorn AG" for the logo text
    "HB HAGEDORN"), or None."""
    value = cands[chosen].value
    if ends_in_legal_form(value):
        return None
    words = name_words(value)
    found = [
        i
        for i, c in enumerate(cands)
        if i != chosen
        and probs[i] >= 0.5 * probs[chosen]
        and ends_in_legal_form(c.value)
        and words & name_words(c.value)
    ]
    return max(found, key=lambda i: probs[i]) if found else None


def _rules_pick(cands: list[Candidate], old: FieldValue | None) -> int | None:
    """The index of the candidate the rules extractor picked, if it is one."""
    if old is None or not old.value:
        return None
    same = [i for i, c in enumerate(cands) if normalised(c.value) == normalised(old.value)]
    return next((i for i in same if cands[i].line.id in old.line_ids), same[0] if same else None)


def _currency_from(result: ExtractedInvoice, cand: Candidate) -> None:
    for ln in [cand.line, *cand.lines]:
        found = find_currency(ln.text)
        if found:
            old = result.fields.get("currency")
            result.fields["currency"] = FieldValue(
                value=found[0],
                confidence=old.confidence if old is not None else _NEUTRAL_CONFIDENCE,
                line_ids=[ln.id],
                page=ln.page,
                box=ln.line.box,
            )
            return
