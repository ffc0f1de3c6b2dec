"""Calibrated field confidences: the shipped file, the bench that writes it, the decision."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from invoice_pipeline.processing.evaluate.calibration import (
    CALIBRATION_FILE,
    CALIBRATION_VERSION,
    CalibrationFile,
    FieldCalibration,
    calibration_key,
    input_kind,
    load_calibration,
    read_calibration,
    source_kind,
)
from invoice_pipeline.schema import KEY_FIELDS, Evidence, Invoice
from tests.processing.evaluate.test_evaluate import make_invoice, run

ROOT = Path(__file__).resolve().parents[3]


def test_the_shipped_calibration_loads_and_is_complete() -> None:
    shipped = read_calibration(CALIBRATION_FILE)
    assert load_calibration() == shipped
    assert shipped.version == CALIBRATION_VERSION and shipped.corpora
    for key, found in shipped.fields.items():
        assert key == calibration_key(found.field, found.source, found.input)
        assert found.x == sorted(found.x) and found.y == sorted(found.y)
        assert all(0.0 <= p <= 1.0 for p in found.y)
        if found.threshold is None:
            assert found.note, key  # why this field and source cannot auto-approve
        else:
            assert found.count >= shipped.min_count
            assert found.cv_precision is not None
            assert found.cv_precision >= shipped.target_precision
    # every key field read from a PDF's text layer is calibrated (the common case)
    assert {f.field for f in shipped.fields.values() if f.source == "text_layer"} == set(KEY_FIELDS)
    # values read through a vendor profile have their own entries (a threshold or why not)
    profiled = {(f.field, f.source) for f in shipped.fields.values() if f.input == "vendor_profile"}
    assert profiled == {(f, s) for f in KEY_FIELDS for s in ("text_layer", "ocr")}
    # no labelled LLM answers: an LLM's values cannot auto-approve
    assert not any(f.threshold is not None for f in shipped.fields.values() if f.source == "llm")


def test_bench_calibrate_writes_what_the_decision_reads(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import calibrate

    out = tmp_path / "calibration.json"
    argv = ["--quick", "--gen1", "3", "--gen2", "3", "--zugferd", str(tmp_path / "none")]
    assert calibrate.main([*argv, "--cache", str(tmp_path / "cache"), "--out", str(out)]) == 0
    written = read_calibration(out)
    assert isinstance(written, CalibrationFile) and written.fields
    assert {f.source for f in written.fields.values()} <= {"text_layer", "ocr"}
    assert {f.field for f in written.fields.values()} <= set(KEY_FIELDS)


@pytest.mark.parametrize(
    ("extractor", "engine", "kind"),
    [
        ("rules", "text_layer", "text_layer"),
        ("rules", "rapidocr", "ocr"),
        ("rules", "text_layer+rapidocr", "ocr"),
        ("einvoice", "text_layer", "xml"),
        ("anthropic", "text_layer", "llm"),
        ("openai,anthropic,rules", "rapidocr", "llm"),
        (None, None, None),
    ],
)
def test_source_kind(extractor: str | None, engine: str | None, kind: str | None) -> None:
    assert source_kind(extractor, engine) == kind


def test_the_isotonic_map_interpolates_and_clips() -> None:
    found = FieldCalibration(
        field="total_amount", source="ocr", input="confidence", x=[0.2, 0.6], y=[0.5, 0.9]
    )
    assert found.probability(0.0) == 0.5
    assert found.probability(0.4) == pytest.approx(0.7)
    assert found.probability(1.0) == 0.9


def test_a_calibrated_probability_stays_below_what_its_sample_can_show() -> None:
    found = FieldCalibration(
        field="seller_name",
        source="ocr",
        input="confidence",
        x=[0.2, 0.6],
        y=[0.0, 1.0],
        threshold=1.0,
        count=98,
        right=98,
    )
    calibration = CalibrationFile(
        created="2026-01-01T00:00:00+00:00",
        fields={calibration_key("seller_name", "ocr", "confidence"): found},
    )
    evidence = Evidence(confidence=0.9)
    assert calibration.isotonic(found, evidence) == 1.0  # what the threshold is set on
    assert calibration.calibrated("seller_name", "ocr", evidence) == pytest.approx(99 / 100)


def _calibration(threshold: float | None) -> CalibrationFile:
    fields = {
        calibration_key(f, "text_layer", "confidence"): FieldCalibration(
            field=f,
            source="text_layer",
            input="confidence",
            x=[0.0, 1.0],
            y=[0.0, 1.0],
            threshold=threshold,
            count=1000,
            right=1000,
            note="" if threshold is not None else "only 3 labelled values (< 50)",
        )
        for f in KEY_FIELDS
    }
    return CalibrationFile(created="2026-01-01T00:00:00+00:00", fields=fields)


def test_approval_needs_every_key_field_calibrated_above_its_threshold() -> None:
    read = {"extractor": "rules", "ocr_engine": "text_layer", "calibration": _calibration(0.9)}
    assert run(make_invoice(confidence=0.95), **read).status == "approved"
    ev = run(make_invoice(confidence=0.85), **read)
    assert ev.status == "manual_review"
    low = [c for c in ev.checks if c.name == "field_confidence_low" and not c.passed]
    assert {c.field for c in low} == set(KEY_FIELDS)
    assert any("seller_name read from text_layer" in r and "< 0.900" in r for r in ev.reasons)


def test_a_source_without_a_threshold_never_auto_approves() -> None:
    for read in (
        {"extractor": "rules", "ocr_engine": "text_layer", "calibration": _calibration(None)},
        {"extractor": "openai", "ocr_engine": "text_layer", "calibration": _calibration(0.5)},
    ):
        ev = run(make_invoice(confidence=0.99), **read)
        assert ev.status == "manual_review"
        assert any("cannot be auto-approved" in r for r in ev.reasons), ev.reasons


def test_an_invoice_not_read_by_the_pipeline_keeps_the_plain_check() -> None:
    ev = run(make_invoice(confidence=0.95), calibration=_calibration(0.99))
    assert ev.status == "approved"
    assert not any(c.name == "field_confidence_low" for c in ev.checks)


def _with_profile_source(invoice: Invoice, fields: tuple[str, ...]) -> Invoice:
    for f in fields:
        invoice.evidence[f] = invoice.evidence[f].model_copy(
            update={"source": "vendor_profile:vat:DE136695976@v1", "score": 0.99}
        )
    return invoice


def test_a_value_read_through_a_vendor_profile_has_its_own_calibration() -> None:
    profile = Evidence(confidence=0.97, score=0.99, source="vendor_profile:vat:DE1@v2")
    assert input_kind(profile) == "vendor_profile"
    assert input_kind(Evidence(confidence=0.97, score=0.99)) == "score"
    assert input_kind(Evidence(confidence=0.97, source="manual")) == "confidence"
    # no vendor_profile entry with a threshold: the general entry of the field decides (here
    # the value carries a score and only confidence entries exist: none, so it cannot approve)
    read = {"extractor": "rules", "ocr_engine": "text_layer", "calibration": _calibration(0.9)}
    ev = run(_with_profile_source(make_invoice(confidence=0.95), ("total_amount",)), **read)
    assert ev.status == "manual_review"
    failed = [c for c in ev.checks if c.name == "field_confidence_low" and not c.passed]
    assert [c.field for c in failed] == ["total_amount"]
    assert "no calibration" in failed[0].message
    general = _calibration(0.9)
    general.fields[calibration_key("total_amount", "text_layer", "score")] = FieldCalibration(
        field="total_amount", source="text_layer", input="score", x=[0.0, 1.0], y=[0.0, 1.0],
        threshold=0.9, count=100, right=100,
    )  # fmt: skip
    read["calibration"] = general
    ev = run(_with_profile_source(make_invoice(confidence=0.95), ("total_amount",)), **read)
    assert ev.status == "approved"
    # with a vendor_profile entry its own threshold decides, on the confidence (not the score)
    calibration = general
    calibration.fields[calibration_key("total_amount", "text_layer", "vendor_profile")] = (
        FieldCalibration(field="total_amount", source="text_layer", input="vendor_profile",
                         x=[0.9, 0.98], y=[0.0, 1.0], threshold=0.99, count=200, right=200)
    )  # fmt: skip
    read["calibration"] = calibration
    assert run(_with_profile_source(make_invoice(0.98), ("total_amount",)), **read).status == (
        "approved"
    )
    assert run(_with_profile_source(make_invoice(0.95), ("total_amount",)), **read).status == (
        "manual_review"
    )


def test_bench_calibrate_fits_only_the_vendor_profile_keys(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import calibrate

    out = tmp_path / "calibration.json"
    shipped = read_calibration(CALIBRATION_FILE)
    out.write_text(CALIBRATION_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    argv = ["--vendor-only", "--vendors", "2", "--per-vendor", "2", "--min-count", "1"]
    assert calibrate.main([*argv, "--vendor-seed", "3", "--out", str(out)]) == 0
    written = read_calibration(out)
    kept = {k: c for k, c in shipped.fields.items() if c.input != "vendor_profile"}
    assert {k: c for k, c in written.fields.items() if c.input != "vendor_profile"} == kept
    fitted = [c for c in written.fields.values() if c.input == "vendor_profile"]
    assert fitted and all(c.count >= 1 for c in fitted)
    assert "seed 3, 2 vendors" in written.corpora["vendors"]


def test_a_scorer_pick_it_finds_more_likely_wrong_is_never_auto_approved() -> None:
    # an isotonic map fitted on the scorer's own training corpora maps everything to 1.0;
    # held out, picks under 0.5 were wrong (seller 'VDA DALEN' at 0.485, number '1488' at 0.40)
    fields = {
        calibration_key(f, "text_layer", "score"): FieldCalibration(
            field=f,
            source="text_layer",
            input="score",
            x=[0.0, 0.3, 1.0],
            y=[0.0, 1.0, 1.0],
            threshold=0.9,
            count=1000,
            right=1000,
        )  # fmt: skip
        for f in KEY_FIELDS
    }
    calibration = CalibrationFile(created="2026-01-01T00:00:00+00:00", fields=fields)
    read = {"extractor": "rules", "ocr_engine": "text_layer", "calibration": calibration}

    def scored(score: float) -> Invoice:
        invoice = make_invoice(confidence=0.95)
        for f in KEY_FIELDS:
            invoice.evidence[f] = invoice.evidence[f].model_copy(update={"score": score})
        return invoice

    assert run(scored(0.6), **read).status == "approved"
    ev = run(scored(0.45), **read)
    assert ev.status == "manual_review"
    assert any("scorer's own probability 0.450 < 0.5" in r for r in ev.reasons), ev.reasons
