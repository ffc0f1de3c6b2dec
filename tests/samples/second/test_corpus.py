"""A corpus of the second generator: files, truth, the shared loader, bench/accuracy.py, CLI."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench import accuracy
from invoice_pipeline.samples import load_corpus
from invoice_pipeline.samples.second import CLASSES, LOCALES, generate_corpus
from invoice_pipeline.samples.second.__main__ import main as cli_main
from invoice_pipeline.schema import KEY_FIELDS


def test_a_small_corpus_has_every_class_kind_and_five_locales(tmp_path: Path) -> None:
    samples = generate_corpus(tmp_path, 14, kinds=("pdf", "scan", "photo"), seed=3)
    assert Counter(s.layout for s in samples) == {c: 2 for c in CLASSES}
    assert {s.kind for s in samples} == {"pdf", "scan", "photo"}
    assert len({s.locale for s in samples}) >= 5 and {s.locale for s in samples} <= set(LOCALES)
    for s in samples:
        head = s.path.read_bytes()[:4]
        if s.kind == "pdf":
            assert s.path.suffix == ".pdf" and head == b"%PDF"
        else:
            assert s.path.suffix in (".jpg", ".png") and head in (b"\xff\xd8\xff\xe0", b"\x89PNG")
        assert (tmp_path / f"{s.path.stem}.truth.json").exists()


def test_same_seed_same_corpus(tmp_path: Path) -> None:
    a = generate_corpus(tmp_path / "a", 7, kinds=("pdf", "scan"), seed=11)
    b = generate_corpus(tmp_path / "b", 7, kinds=("pdf", "scan"), seed=11)
    for x, y in zip(a, b, strict=True):
        assert x.path.name == y.path.name and x.path.read_bytes() == y.path.read_bytes()
        assert x.truth == y.truth
    c = generate_corpus(tmp_path / "c", 7, kinds=("pdf", "scan"), seed=12)
    assert [s.truth.invoice_number for s in c] != [s.truth.invoice_number for s in a]


def test_the_corpus_loads_with_the_loader_bench_accuracy_uses(tmp_path: Path) -> None:
    written = generate_corpus(tmp_path / "corpus", 7, kinds=("pdf", "photo"), seed=1)
    moved = tmp_path / "moved"
    (tmp_path / "corpus").rename(moved)
    loaded = load_corpus(moved)
    assert [s.truth for s in loaded] == sorted(
        (s.truth for s in written), key=lambda t: t.document_id
    )
    assert all(s.path.parent == moved and s.path.exists() for s in loaded)
    kind, docs = accuracy.load_dataset(moved)
    assert kind == "generated" and len(docs) == 7
    for doc in docs:
        assert set(KEY_FIELDS) <= set(doc.truth)
        assert doc.group in ("born-digital", "photos")
        assert doc.extra["layout"] in CLASSES
        if doc.extra["layout"] != "receipt":
            assert {
                "buyer_name",
                "buyer_address",
                "seller_address",
                "subtotal",
                "tax_amount",
            } <= set(doc.truth)
            assert "line_items" in doc.truth


def test_truth_scores_as_right_against_itself_and_wrong_when_changed(tmp_path: Path) -> None:
    generate_corpus(tmp_path, 7, seed=2)
    for doc, sample in zip(accuracy.load_dataset(tmp_path)[1], load_corpus(tmp_path), strict=True):
        scored = accuracy.score_document(doc, sample.truth)
        assert scored["all_key_fields_right"] is True and not scored["wrong"]
        changed = sample.truth.model_copy(
            update={"seller_name": sample.truth.buyer_name or "Someone Else Ltd"}
        )
        assert accuracy.score_document(doc, changed)["fields"]["seller_name"] is False


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli_main(
            [str(tmp_path), "--count", "3", "--kinds", "pdf,scan", "--classes", "receipt,logo"]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and {s.layout for s in load_corpus(tmp_path)} == {"receipt", "logo"}
    with pytest.raises(SystemExit):
        cli_main([str(tmp_path), "--classes", "poster"])
