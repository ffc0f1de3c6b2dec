"""The IO manager directly: JSON values and PNG pages per partition, batch and single runs."""

import json
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


# ------------------------------------------------------------ in-memory handoff

HANDED: dict[str, np.ndarray] = {}
"""The arrays ``made_pages`` returned, to tell a handed-over array from a decoded PNG."""


@dg.asset(partitions_def=parts, io_manager_key="io_manager")
def made_pages(context) -> dict[str, PreprocessedDocument]:
    keys = [context.partition_key] if context.has_partition_key else context.partition_keys
    out = {}
    for i, key in enumerate(keys):
        page = _page(1, 40 + i)
        HANDED[key] = page.image
        out[key] = PreprocessedDocument(document_id=key, kind="image", pages=[page])
    return out


@dg.asset(partitions_def=parts, io_manager_key="io_manager")
def page_origin(made_pages: dict[str, PreprocessedDocument]) -> dict[str, list]:
    """Per document: [handed over in memory?, pixel sum]."""
    return {
        key: [doc.pages[0].image is HANDED.get(key), int(doc.pages[0].image.sum())]
        for key, doc in made_pages.items()
    }


def _run(tmp_path: Path, instance: dg.DagsterInstance, assets: list, **kwargs):
    return dg.materialize(
        assets,
        instance=instance,
        resources={"io_manager": InvoiceIOManager(base_path=str(tmp_path / "storage"))},
        **kwargs,
    )


def test_pages_go_to_a_step_in_the_same_process_in_memory_and_still_reach_storage(
    tmp_path: Path,
) -> None:
    from invoice_pipeline.dagster_compat import partition_range_tags
    from invoice_pipeline.processing.imaging.handoff import HANDOFF

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_docs", ["m1", "m2"])
    result = _run(
        tmp_path, instance, [made_pages, page_origin], tags=partition_range_tags("m1", "m2")
    )
    assert result.success
    expected = {k: int(HANDED[k].sum()) for k in ("m1", "m2")}
    assert result.output_for_node("page_origin") == {k: [True, v] for k, v in expected.items()}
    assert HANDOFF.held() == 0  # taken by the consumer, not kept
    # the PNGs were written meanwhile, and were on storage when the consumer finished
    folder = tmp_path / "storage" / "assets" / "made_pages"
    for key, image in HANDED.items():
        import cv2

        stored = cv2.imread(str(folder / f"{key}.pages" / "page-0001.png"), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(stored, image)


def test_a_step_that_finds_no_handed_over_pages_reads_them_from_storage(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_docs", ["s1"])
    # one run makes the pages (no consumer in its plan: written before the step ends) ...
    assert _run(tmp_path, instance, [made_pages], partition_key="s1").success
    png = tmp_path / "storage" / "assets" / "made_pages" / "s1.pages" / "page-0001.png"
    assert png.exists()
    # ... another reads them, as a step in another process or pod does: from the PNG
    result = _run(
        tmp_path,
        instance,
        [made_pages, page_origin],
        partition_key="s1",
        selection=[page_origin],
    )
    assert result.success
    assert result.output_for_node("page_origin") == {"s1": [False, int(HANDED["s1"].sum())]}


def _multiprocess_job() -> dg.JobDefinition:
    """The two assets on the multiprocess executor: each step in its own process."""
    import os

    defs = dg.Definitions(
        assets=[made_pages, page_origin],
        resources={"io_manager": InvoiceIOManager(base_path=os.environ["IO_TEST_STORAGE"])},
        jobs=[dg.define_asset_job("pages_mp", executor_def=dg.multiprocess_executor)],
    )
    return defs.resolve_job_def("pages_mp")


def test_a_step_in_another_process_reads_the_pages_its_producer_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IO_TEST_STORAGE", str(tmp_path / "storage"))
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        instance.add_dynamic_partitions("io_docs", ["p1"])
        with dg.execute_job(
            dg.reconstructable(_multiprocess_job),
            instance=instance,
            tags={"dagster/partition": "p1"},
        ) as result:
            assert result.success
    stored = tmp_path / "storage" / "assets" / "page_origin" / "p1.json"
    origin = json.loads(stored.read_text())["value"]
    # not handed over (another process), read back from the PNG written before the step ended
    assert origin == [False, int(_page(1, 40).image.sum())]
