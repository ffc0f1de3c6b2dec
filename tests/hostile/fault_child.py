"""A child process for the OCR fault tests: the pipeline with an engine that fails.

Run as ``python -m tests.hostile.fault_child OUTPUT PATH...`` with
INVOICE_RETRY_DELAY_SECONDS set (the retry policies read it when the
definitions load, which is why this runs in its own process) and
OCR_PAGE_TIMEOUT_SECONDS short. The real rapidocr engine is built, and its
``read`` is replaced to fail by call order, which is fixed because the
documents of a batch are read in partition order, one page each: the first
``max_retries + 1`` calls (the first image, once per attempt of the
``ocr_text`` step) raise MemoryError, the next raises RuntimeError (an
engine crash on the second image), and every later call hangs for 30 s (the
third image). The background OCR of ``preprocessed`` is switched off so that the
step makes every call. Each call is appended to the file HOSTILE_OCR_CALLS. One JSON
record per file goes to OUTPUT.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np


def main(argv: list[str]) -> int:
    output, *paths = argv
    from invoice_pipeline import runner
    from invoice_pipeline.assets import ocr_text
    from invoice_pipeline.processing.ocr.prefetch import PREFETCH
    from invoice_pipeline.processing.ocr.rapidocr_engine import RapidOcrEngine
    from invoice_pipeline.schema import OcrPage

    calls_file = Path(os.environ["HOSTILE_OCR_CALLS"])
    attempts = ocr_text.op.retry_policy.max_retries + 1

    def read(self: RapidOcrEngine, image: np.ndarray, page_number: int) -> OcrPage:
        with calls_file.open("a") as fh:
            fh.write(f"{page_number}\n")
        calls = len(calls_file.read_text().splitlines())
        if calls <= attempts:
            raise MemoryError("simulated: cannot allocate 3.2 GiB for the detection model")
        if calls == attempts + 1:
            raise RuntimeError("simulated: onnxruntime session crashed (CUDA error 700)")
        time.sleep(30)
        raise AssertionError("unreachable: the time limit abandons this page")

    RapidOcrEngine.read = read  # type: ignore[method-assign]
    # the faults follow the order of the engine's calls, so every call comes from the step
    # itself: no OCR started ahead on the background thread (processing/ocr/prefetch.py)
    PREFETCH.submit = lambda *args, **kwargs: None  # type: ignore[method-assign]
    records = runner.process(paths, batch_size=10)
    Path(output).write_text("".join(r.model_dump_json() + "\n" for r in records))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
