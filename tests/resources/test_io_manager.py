"""The IO manager directly: JSON values and PNG pages per partition, batch and single runs."""

from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from invoice_pipeline.resources.io_manager import InvoiceIOManager
from invoice_pipeline.schema import Issue, PageImage, PreprocessedDocument

parts = dg.DynamicPartitionsDefinition(name="io_docs")


def _page(number: int, value: int) -> PageImage:
    image = np.full((40, 30), value, dtype=np.uint8)
    image[5:10, 5:25] = 255 - value
    return PageImage(page_number=number, width=30, height=40, image=image)


@dg.asset(partitions_def=parts, io_manager_key="io_manager")
def pages(context) -> dict[str, PreprocessedDocument]:
    keys = [context.partition_key] if context.has_partition_key else context.partition_keys
    return {
        key: PreprocessedDocument(
            document_id=key,
            kind="image",
            pages=[_page(1, 10 * (i + 1)), PageImage(page_number=2, has_text_layer=True)],
            issues=[Issue(code="note", message=f"for {key}", severity="info")],
        )
        for i, key in enumerate(keys)
    }


@dg.asset(partitions_def=parts, io_manager_key="io_manager")
def page_sums(pages: dict[str, PreprocessedDocument]) -> dict[str, int]:
    return {key: int(doc.pages[0].image.sum()) for key, doc in pages.items()}


def _materialize(
    tmp_path: Path, instance: dg.DagsterInstance, **kwargs
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [pages, page_sums],
        instance=instance,
        resources={"io_manager": InvoiceIOManager(base_path=str(tmp_path / "storage"))},
        **kwargs,
    )


def test_a_partition_round_trips_with_its_page_pixels(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_docs", ["doc-a"])
    result = _materialize(tmp_path, instance, partition_key="doc-a")
    assert result.success
    root = tmp_path / "storage" / "assets"
    assert (root / "pages" / "doc-a.json").exists()
    pngs = sorted(p.name for p in (root / "pages" / "doc-a.pages").iterdir())
    assert pngs == ["page-0001.png"]  # text-layer pages carry no pixels
    expected = int(_page(1, 10).image.sum())
    assert result.output_for_node("page_sums") == {"doc-a": expected}
    assert (root / "page_sums" / "doc-a.json").exists()


def test_a_batch_run_writes_one_file_per_document(tmp_path: Path) -> None:
    from invoice_pipeline.dagster_compat import partition_range_tags

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_docs", ["a", "b", "c"])
    result = _materialize(tmp_path, instance, tags=partition_range_tags("a", "b"))
    assert result.success
    root = tmp_path / "storage" / "assets" / "pages"
    assert sorted(p.name for p in root.glob("*.json")) == ["a.json", "b.json"]
    sums = result.output_for_node("page_sums")
    assert sums == {"a": int(_page(1, 10).image.sum()), "b": int(_page(1, 20).image.sum())}


def test_an_unsafe_partition_key_never_becomes_a_path(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_docs", ["../escape"])
    with pytest.raises(dg.DagsterInvariantViolationError, match="not a safe file name"):
        _materialize(tmp_path, instance, partition_key="../escape")
    assert not (tmp_path / "storage" / "escape.json").exists()
    assert not list(tmp_path.rglob("escape*"))
