"""Page images handed from one step to the next inside one process, and written in the background.

When ``preprocessed`` and ``ocr_text`` run in the same process (the in-process
executor: ``invoice-pipeline process``, a run launched by the daemon), the page
arrays need not go through PNG and back: :class:`PageHandoff` keeps each
document's :class:`~invoice_pipeline.schema.PreprocessedDocument` for its run
until the next step takes it, and its PNG files (what the review page shows, and
what a step in another process reads) are written by one background thread
meanwhile (:meth:`PageHandoff.write_later`); :meth:`PageHandoff.flush` waits for a
run's writes and raises the first error, so a later step can make sure they are on
storage. A step in another process finds nothing here and reads the PNG files.
Holding a batch's pages costs their pixels: about 4 MB per A4 page at 200 dpi,
until ``ocr_text`` has read a document and lets go of its arrays (the writer
holds its own references until each PNG is written).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

Key = tuple[str, str, str]
"""(run id, asset name, partition key)."""


class PageHandoff:
    """Values held per (run, asset, partition) and background writes per run, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[Key, Any] = {}
        self._writes: dict[tuple[str, str], list[Future[None]]] = {}
        self._pool: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------- values
    def put(self, run_id: str, asset: str, partition: str, value: Any) -> None:
        """Hold ``value`` for a later step of the same run in this process.

        Values of other runs are forgotten: a process runs one batch at a time, and a
        run that ended without taking its values (a failed step) must not keep their
        pixels; a consumer that finds nothing reads storage instead.
        """
        with self._lock:
            for key in [k for k in self._values if k[0] != run_id]:
                del self._values[key]
            self._values[(run_id, asset, partition)] = value

    def take(self, run_id: str, asset: str, partition: str) -> Any | None:
        """The value held for (run, asset, partition), removed; None if there is none."""
        with self._lock:
            return self._values.pop((run_id, asset, partition), None)

    def held(self) -> int:
        """How many values are held (all runs)."""
        with self._lock:
            return len(self._values)

    def drop_run(self, run_id: str) -> None:
        """Forget every value held for ``run_id`` (its consumer has run, or will not)."""
        with self._lock:
            for key in [k for k in self._values if k[0] == run_id]:
                del self._values[key]

    # ------------------------------------------------------------- writes
    def write_later(self, run_id: str, asset: str, write: Callable[[], None]) -> None:
        """Run ``write`` (of ``asset``) on the background writer thread; :meth:`flush` waits."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="page-writer")
            future = self._pool.submit(write)
            self._writes.setdefault((run_id, asset), []).append(future)

    def pending(self, run_id: str) -> int:
        """Writes of ``run_id`` not finished yet."""
        with self._lock:
            return sum(
                not f.done()
                for (run, _), futures in self._writes.items()
                if run == run_id
                for f in futures
            )

    def flush(self, run_id: str | None = None, asset: str | None = None) -> None:
        """Wait for the background writes of ``run_id`` (None: of every run), of ``asset`` only
        when given; raise the first error one of them had."""
        with self._lock:
            keys = [
                k
                for k in self._writes
                if (run_id is None or k[0] == run_id) and (asset is None or k[1] == asset)
            ]
            futures = [f for k in keys for f in self._writes.pop(k)]
        error: BaseException | None = None
        for future in futures:
            exc = future.exception()
            if exc is not None and error is None:
                error = exc
        if error is not None:
            raise error


HANDOFF = PageHandoff()
"""The process's one handoff: the IO manager of every step of a run in this process uses it."""


__all__ = ["HANDOFF", "PageHandoff"]
