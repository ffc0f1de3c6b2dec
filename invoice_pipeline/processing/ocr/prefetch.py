"""OCR started ahead of the ``ocr_text`` step, on a second core, when both steps share a process.

A batch run on the in-process executor runs ``preprocessed`` for every document
and then ``ocr_text`` for every document, so the OCR engine would wait for
preprocessing and the event-log writes of the whole batch, and they for it.
With :data:`PREFETCH` the ``preprocessed`` step hands each document it finished
to one background thread that OCRs its page images at once (:meth:`OcrPrefetch.submit`;
no PDF is touched there: PDFium is not thread-safe),
while the step goes on with the next document; ``ocr_text`` then takes the
finished result (:meth:`OcrPrefetch.take`, waiting if it is not done) instead of
reading the page again. OpenCV and the inference runtimes release the GIL, so the
two threads use both cores. The result is exactly what ``ocr_text`` would
compute: the same function on the same page arrays with the same options; an
exception it raised is raised again by :meth:`take`. Only one thread ever runs
the engine (OpenVINO's infer requests are not reentrant): a step that finds no
prefetched result first waits for the thread to be idle (:meth:`OcrPrefetch.wait`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

Key = tuple[str, str]
"""(run id, document id)."""


class OcrPrefetch:
    """One background OCR thread and its results per (run, document), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Key, Future[Any]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, run_id: str, document_id: str, read: Callable[[], Any]) -> None:
        """Start ``read()`` on the background thread; results of other runs are dropped."""
        with self._lock:
            for key in [k for k in self._futures if k[0] != run_id]:
                self._futures.pop(key).cancel()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="ocr-prefetch")
            self._futures[(run_id, document_id)] = self._pool.submit(read)

    def take(self, run_id: str, document_id: str) -> Future[Any] | None:
        """The prefetch of ``document_id`` in ``run_id`` (removed), or None if none started."""
        with self._lock:
            return self._futures.pop((run_id, document_id), None)

    def wait(self) -> None:
        """Block until the background thread has finished everything submitted so far."""
        with self._lock:
            pending = list(self._futures.values())
        for future in pending:
            if not future.cancelled():
                future.exception()  # waits; the error stays with the future for take()

    def started(self, run_id: str) -> int:
        """How many prefetches of ``run_id`` are held (finished or not)."""
        with self._lock:
            return sum(k[0] == run_id for k in self._futures)

    def drop_run(self, run_id: str) -> None:
        """Forget the prefetches of ``run_id`` (those not started are cancelled)."""
        with self._lock:
            for key in [k for k in self._futures if k[0] == run_id]:
                self._futures.pop(key).cancel()


PREFETCH = OcrPrefetch()
"""The process's one prefetcher (and so its one background OCR thread)."""


__all__ = ["PREFETCH", "OcrPrefetch"]
