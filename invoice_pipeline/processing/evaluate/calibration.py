"""Calibrated field confidences: P(the value is right) per key field and source kind.

``calibration.json`` beside this module is written by ``bench/calibrate.py`` (``make
train``) from the training corpora only and read here once per process
(:func:`load_calibration`); both sides use the same pydantic model,
:class:`CalibrationFile`. Each :class:`FieldCalibration` is an isotonic map (its
breakpoints ``x``/``y``, interpolated linearly) from one raw input of one key field
read from one source kind to the probability that the value is right, with the
threshold that gave at least the target precision on the training folds (cross-
validated), or none when there was too little data: then that field and source can
never be auto-approved. The input is the learned scorer's probability where the value
carries one (``Evidence.score``), else the extractor's confidence. The source kind
follows from the extractor and OCR engine recorded (:func:`source_kind`): ``xml``
(e-invoice), ``llm`` (a language model), ``text_layer`` (a PDF's text) or ``ocr``. A
value read through a vendor profile (``Evidence.source`` starting ``vendor_profile:``)
has its own input, ``vendor_profile`` (its confidence, set by
``processing/vendors/apply.py``), fitted on a training vendor stream; where that entry
has no threshold (too little data), the general entry of its field and source decides.
"""

from __future__ import annotations

import bisect
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from invoice_pipeline.schema import KEY_FIELDS, Check, Evidence, Invoice

__all__ = [
    "CALIBRATION_FILE",
    "CALIBRATION_VERSION",
    "CalibrationFile",
    "FieldCalibration",
    "LLM_PROVIDERS",
    "SourceKind",
    "calibrated_checks",
    "calibrated_confidences",
    "calibration_key",
    "input_kind",
    "load_calibration",
    "read_calibration",
    "source_kind",
]

CALIBRATION_VERSION = 2
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
SourceKind = Literal["text_layer", "ocr", "xml", "llm"]
Input = Literal["confidence", "score", "vendor_profile"]
VENDOR_PROFILE = "vendor_profile"
SCORER_FLOOR = 0.5
"""The least scorer probability of an auto-approved value. The isotonic map is fitted on
the scorer's probabilities over its own training corpora, where nearly every pick is right
even at low probabilities; on held-out invoices picks under 0.5 were approved wrongly
(second generator, seed 100001: 2 of 388 approvals)."""
LLM_PROVIDERS = frozenset({"openai", "openai_compatible", "anthropic", "gemini", "llm"})


class FieldCalibration(BaseModel):
    """The isotonic map of one key field, source kind and input, with its threshold."""

    field: str
    source: str
    input: Input
    x: list[float] = Field(default_factory=list)
    """Breakpoints of the raw input, ascending."""
    y: list[float] = Field(default_factory=list)
    """P(right) at each breakpoint (non-decreasing)."""
    threshold: float | None = None
    """The least calibrated P(right) that approves; None: this field and source never do."""
    count: int = 0
    right: int = 0
    cv_precision: float | None = None
    """Cross-validated precision of the values at or above the threshold (training folds)."""
    cv_approved: int = 0
    """How many training values reached the threshold in cross-validation."""
    note: str = ""

    def ceiling(self) -> float:
        """The most P(right) that ``count`` training values can show: (right + 1) / (count + 2).

        The isotonic map says 1.0 where every training value was right; no finite sample
        shows that, so the probability reported (score, operator floor) stays below it.
        """
        return (self.right + 1) / (self.count + 2)

    def probability(self, value: float) -> float:
        """P(right) for a raw input, interpolated between the breakpoints."""
        if not self.x:
            return 0.0
        if value <= self.x[0]:
            return self.y[0]
        if value >= self.x[-1]:
            return self.y[-1]
        i = bisect.bisect_right(self.x, value)
        x0, x1, y0, y1 = self.x[i - 1], self.x[i], self.y[i - 1], self.y[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (value - x0) / (x1 - x0)


class CalibrationFile(BaseModel):
    """What ``bench/calibrate.py`` writes and the decision reads."""

    version: int = CALIBRATION_VERSION
    created: str
    """ISO date and time of the fit."""
    corpora: dict[str, str] = Field(default_factory=dict)
    """Training corpora: name -> what (generator, seed, count, kinds)."""
    target_precision: float = 0.995
    min_count: int = 50
    scorer_model: str | None = None
    """The scorer model the ``score`` inputs came from (its version and training info)."""
    fields: dict[str, FieldCalibration] = Field(default_factory=dict)
    """``field/source/input`` -> its calibration (:func:`calibration_key`)."""

    def find(self, field: str, source: str, evidence: Evidence | None) -> FieldCalibration | None:
        """The calibration for this field, source and the input the evidence carries (a
        vendor-profile value: its own entry where that has a threshold, else the general one)."""
        if evidence is None:
            return None
        kind = input_kind(evidence)
        if kind == "vendor_profile":
            own = self.fields.get(calibration_key(field, source, kind))
            if own is not None and own.threshold is not None:
                return own
            # too little vendor-stream data for this field and source: the general entry
            kind = "score" if evidence.score is not None else "confidence"
        return self.fields.get(calibration_key(field, source, kind))

    def calibrated(self, field: str, source: str, evidence: Evidence | None) -> float | None:
        """P(right) of a field's value, or None when nothing calibrates it."""
        found = self.find(field, source, evidence)
        if found is None or evidence is None:
            return None
        return min(self.isotonic(found, evidence), found.ceiling())

    @staticmethod
    def isotonic(found: FieldCalibration, evidence: Evidence) -> float:
        """The isotonic map's value for the evidence: what the stored threshold is set on."""
        raw = evidence.score if found.input == "score" else evidence.confidence
        return found.probability(float(raw or 0.0))


def input_kind(evidence: Evidence) -> Input:
    """The raw input a value is calibrated on: ``vendor_profile`` for a value read through
    a vendor profile (its confidence), else the scorer's probability where it carries one,
    else the extractor's confidence."""
    if evidence.source and evidence.source.startswith(VENDOR_PROFILE + ":"):
        return "vendor_profile"
    return "score" if evidence.score is not None else "confidence"


def calibration_key(field: str, source: str, kind: str) -> str:
    """``field/source/input``, the key of :attr:`CalibrationFile.fields`."""
    return f"{field}/{source}/{kind}"


def source_kind(extractor: str | None, ocr_engine: str | None) -> SourceKind | None:
    """How a record's values were read, from its extractor and OCR engine.

    ``einvoice`` (or the XML engine) is ``xml``; an LLM provider is ``llm``; otherwise
    the text layer of a PDF when every page came from it, else ``ocr``. None when
    neither is recorded (an invoice built by hand, not read by the pipeline).
    """
    if extractor is None and ocr_engine is None:
        return None
    if extractor == "einvoice" or ocr_engine == "einvoice_xml":
        return "xml"
    if extractor and set(extractor.split(",")) & LLM_PROVIDERS:
        return "llm"
    return "text_layer" if ocr_engine == "text_layer" else "ocr"


def read_calibration(path: Path) -> CalibrationFile:
    """A calibration file, checked against this code's version."""
    data = CalibrationFile.model_validate_json(path.read_text(encoding="utf-8"))
    if data.version != CALIBRATION_VERSION:
        raise ValueError(
            f"{path}: calibration version {data.version}, this code reads {CALIBRATION_VERSION}"
        )
    return data


@cache
def load_calibration() -> CalibrationFile | None:
    """The shipped calibration, read once per process (None when none is shipped)."""
    return read_calibration(CALIBRATION_FILE) if CALIBRATION_FILE.exists() else None


def calibrated_confidences(
    invoice: Invoice, source: str | None, calibration: CalibrationFile | None
) -> dict[str, float | None]:
    """Per key field with a value: its calibrated P(right), None where nothing calibrates it."""
    if source is None or calibration is None:
        return {}
    return {
        f: calibration.calibrated(f, source, invoice.evidence.get(f))
        for f in KEY_FIELDS
        if getattr(invoice, f) not in (None, "")
    }


def calibrated_checks(
    invoice: Invoice, source: str | None, calibration: CalibrationFile | None
) -> list[Check]:
    """``field_confidence_low`` per key field: its calibrated P(right) reaches its threshold.

    Nothing when the invoice was not read by the pipeline (no source) or no calibration
    is shipped. A field and source without a threshold (too little training data, as
    for LLM answers) fails: it cannot be auto-approved.
    """
    if source is None or calibration is None:
        return []
    checks = []
    for field, p in calibrated_confidences(invoice, source, calibration).items():
        evidence = invoice.evidence.get(field)
        found = calibration.find(field, source, evidence)
        if found is None or found.threshold is None or p is None or evidence is None:
            why = found.note if found is not None and found.note else "no calibration"
            message = f"{field} read from {source}: {why}; it cannot be auto-approved"
            passed = False
        else:
            # the threshold was chosen on the isotonic map itself (bench/calibrate.py)
            level = calibration.isotonic(found, evidence)
            passed = level >= found.threshold
            message = (
                f"{field} read from {source}: calibrated level {level:.3f}"
                + (" >= " if passed else " < ")
                + f"{found.threshold:.3f} (P(right) {p:.3f})"
            )
            if passed and found.input == "score" and (evidence.score or 0.0) < SCORER_FLOOR:
                passed = False
                message = (
                    f"{field} read from {source}: the scorer's own probability "
                    f"{evidence.score or 0.0:.3f} < {SCORER_FLOOR} (its pick is more likely "
                    "wrong than right, whatever the calibration maps it to)"
                )
        checks.append(
            Check(name="field_confidence_low", passed=passed, field=field, message=message)
        )
    return checks
