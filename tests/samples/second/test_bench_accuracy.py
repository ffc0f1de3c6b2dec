"""bench/accuracy.py's approved precision interval (Wilson) and its list of wrong approvals."""

from __future__ import annotations

import pytest

from bench import accuracy
from bench._common import wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [  # reference values: R prop.test(x, n, correct = FALSE)$conf.int
        (95, 100, 0.8882, 0.9785),
        (0, 10, 0.0, 0.2775),
        (20, 20, 0.8389, 1.0),
        (1, 2, 0.0945, 0.9055),
    ],
)
def test_wilson_interval_matches_reference_values(
    successes: int, n: int, low: float, high: float
) -> None:
    lo, hi = wilson_interval(successes, n)  # type: ignore[misc]
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_wilson_interval_edges() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def _scored(name: str, status: str, right: bool, wrong: dict | None = None) -> dict:
    return {
        "file": name,
        "status": status,
        "duplicate_of": None,
        "fields": {"seller_name": right, "total_amount": True, "buyer_name": False},
        "all_key_fields_right": right,
        "line_items": {"truth": 0, "predicted": 0, "matched": 0},
        "wrong": wrong or {},
    }


def test_summary_has_the_interval_and_lists_each_wrongly_approved_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = {
        "seller_name": {"expected": "Kestrel Supply Inc.", "got": "Lakemont Co."},
        "buyer_name": {"expected": "Lakemont Co.", "got": None},  # not a key field
    }
    s = accuracy.summarise(
        [
            _scored("a.pdf", "approved", True),
            _scored("b.jpg", "approved", False, wrong),
            _scored("c.pdf", "approved", True),
            _scored("d.pdf", "manual_review", False, wrong),
        ]
    )
    assert s["approved_precision"] == 0.6667 and s["approved_precision_n"] == 3
    lo, hi = s["approved_precision_ci95"]
    assert (lo, hi) == (pytest.approx(0.2077, abs=1e-4), pytest.approx(0.9385, abs=1e-4))
    assert s["wrongly_approved"] == [
        {"file": "b.jpg", "wrong": {"seller_name": wrong["seller_name"]}}
    ]
    report = {"runs": [{"dataset": "second", "engine": "auto", "all": s}]}
    accuracy.print_wrongly_approved(report)
    out = capsys.readouterr().out
    assert "Wrongly approved in second: 1" in out
    assert "b.jpg: seller_name expected 'Kestrel Supply Inc.', got 'Lakemont Co.'" in out
    assert "d.pdf" not in out and "buyer_name" not in out
