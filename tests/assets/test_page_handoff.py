"""Pages handed from ``preprocessed`` to ``ocr_text`` in memory (and OCR started ahead of
``ocr_text`` on a background thread) read exactly as the same pages through storage.

Real pipeline, real rapidocr, a generated scan: first the six assets in one in-process
run (the handoff and the prefetch), then ``preprocessed`` and ``ocr_text`` in two
separate runs, so ``ocr_text`` finds nothing in memory and reads the stored PNGs, as a
step in another process or pod does.
"""

from __future__ import annotations

import json
import threading

import dagster as dg

from invoice_pipeline import runner
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.jobs import JOB_NAME
from invoice_pipeline.processing.imaging.handoff import HANDOFF
from invoice_pipeline.processing.ocr.prefetch import PREFETCH
from invoice_pipeline.samples import generate_invoice


def _lines(storage, key: str) -> list[tuple[str, list[float]]]:
    value = json.loads((storage / "assets" / "ocr_text" / f"{key}.json").read_text())["value"]
    return [(line["text"], line["box"]) for page in value["pages"] for line in page["lines"]]


def test_handed_over_pages_read_as_the_stored_ones(pipeline_env, instance):
    data, suffix, _ = generate_invoice(5, "en", kind="scan")
    path = pipeline_env["inbox"] / f"scan{suffix}"
    path.write_bytes(data)
    defs = build_definitions()
    [record] = runner.process([str(path)], defs=defs, instance=instance)
    key = record.document_id
    storage = pipeline_env["storage"]
    assert record.status != "failed"
    in_memory = _lines(storage, key)
    assert len(in_memory) > 10
    png = storage / "assets" / "preprocessed" / f"{key}.pages" / "page-0001.png"
    assert png.exists()  # kept for the review page and for steps elsewhere
    assert HANDOFF.held() == 0
    # nothing of that run is kept in memory once ocr_text took it
    runs = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": key}))
    assert runs and all(PREFETCH.started(run.run_id) == 0 for run in runs)

    png_before = png.stat().st_mtime_ns
    job = defs.resolve_job_def(JOB_NAME)
    for asset in ("preprocessed", "ocr_text"):
        result = job.execute_in_process(
            instance=instance,
            partition_key=key,
            asset_selection=[dg.AssetKey(asset)],
            run_config=runner.QUIET_RUN_CONFIG,
        )
        assert result.success
    assert png.stat().st_mtime_ns != png_before  # the pages were written again, then read
    assert _lines(storage, key) == in_memory


def test_a_prefetch_that_raised_is_read_again_by_the_step(pipeline_env, instance, monkeypatch):
    from invoice_pipeline.processing.ocr.rapidocr_engine import RapidOcrEngine

    real_read = RapidOcrEngine.read
    threads: list[str] = []

    def read(self, image, page_number):
        threads.append(threading.current_thread().name)
        if len(threads) == 1:  # the first call, made ahead by the prefetch: a transient fault
            raise MemoryError("simulated: the first OCR call runs out of memory")
        return real_read(self, image, page_number)

    monkeypatch.setattr(RapidOcrEngine, "read", read)
    data, suffix, truth = generate_invoice(6, "en", kind="scan")
    path = pipeline_env["inbox"] / f"scan{suffix}"
    path.write_bytes(data)
    [record] = runner.process([str(path)], instance=instance)
    assert len(threads) == 2  # the prefetch's failed call, then the step's own
    # the step never saw the fault: had it made the first call, it would have been retried
    [run] = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": record.document_id}))
    retried = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert retried == []
    assert record.status != "failed", record.reasons
    assert record.total_amount == truth.total_amount
    assert not any(i.code == "retries_exhausted" for i in record.issues)


def test_ocr_text_lets_go_of_the_pages_it_read_and_every_png_is_written(
    pipeline_env, instance, monkeypatch
):
    """A long scan must not hold every page's pixels to the end of the run: ``ocr_text``
    drops a document's arrays once read, while the background writer, holding its own
    references, still writes every page's PNG."""
    import cv2

    handed = []
    real_put = HANDOFF.put

    def put(run_id, asset, partition, value):
        handed.append(value)
        real_put(run_id, asset, partition, value)

    monkeypatch.setattr(HANDOFF, "put", put)
    data, suffix, truth = generate_invoice(12, "en", kind="scan", items=45)
    path = pipeline_env["inbox"] / f"long{suffix}"
    path.write_bytes(data)
    [record] = runner.process([str(path)], instance=instance, workers=1)
    assert record.status != "failed", record.reasons
    assert record.total_amount == truth.total_amount
    [pre] = handed
    assert len(pre.pages) >= 2
    assert all(page.image is None for page in pre.pages)  # let go of
    folder = pipeline_env["storage"] / "assets" / "preprocessed" / f"{record.document_id}.pages"
    for page in pre.pages:
        png = cv2.imread(str(folder / f"page-{page.page_number:04d}.png"), cv2.IMREAD_UNCHANGED)
        assert png is not None and png.shape[:2] == (page.height, page.width)
