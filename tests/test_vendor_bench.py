"""``bench/vendor_memory.py`` at its smallest: the stream, the review path and both runs."""

from __future__ import annotations

import json
from pathlib import Path

from bench import vendor_memory


def test_vendor_plan_draws_from_both_generators() -> None:
    plan = vendor_memory.vendor_plan(6, seed=0)
    assert [p["generator"] for p in plan] == ["first", "second"] * 3
    assert len({p["vendor"] for p in plan}) == 6
    assert {p["layout"] for p in plan if p["generator"] == "second"} <= set(
        vendor_memory.SECOND_CLASSES
    )


def test_one_vendor_of_each_generator_with_and_without_memory(tmp_path: Path) -> None:
    vendor_memory.main(
        ["--vendors", "2", "--per-vendor", "2", "--kinds", "pdf", "--results", str(tmp_path)]
    )
    report = json.loads((tmp_path / "vendor_memory.json").read_text())
    runs = report["runs"]
    memory, general = runs["with memory"], runs["without memory"]
    assert memory["confirmed"] == 2 and general["confirmed"] == 0
    assert memory["documents"] == general["documents"] == 2
    assert memory["all_key_fields_right"] >= general["all_key_fields_right"]
    assert memory["wrongly_approved"] == []


def test_a_vendors_own_table_is_read_after_its_items_are_confirmed(tmp_path: Path) -> None:
    # the second vendor prints its items under its own headings, which the general
    # extractor cannot read; the first invoice's items are confirmed in review
    vendor_memory.main(
        [
            "--vendors",
            "2",
            "--per-vendor",
            "2",
            "--kinds",
            "pdf",
            "--tables",
            "own",
            "--results",
            str(tmp_path),
        ]  # fmt: skip
    )
    report = json.loads((tmp_path / "vendor_memory.json").read_text())
    assert report["tables"] == "own"
    memory, general = report["runs"]["with memory"], report["runs"]["without memory"]
    second = memory["by_generator"]["second"]
    assert second["fields"]["line_items"]["accuracy"] == 1.0
    assert general["by_generator"]["second"]["fields"]["line_items"]["accuracy"] == 0.0
    assert memory["line_items"]["f1"] > general["line_items"]["f1"]
