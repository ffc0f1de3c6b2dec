"""Worker processes that run batches of ``invoice-pipeline process`` beside the caller.

One Python process uses one core for the pure-Python part of the pipeline (the
text layer, extraction, checks) and for Dagster's event log. ``runner.process``
therefore runs its batches in ``INVOICE_PROCESS_WORKERS`` processes at once:
itself and ``workers - 1`` spawned ones, each a Dagster run over a contiguous
range of partitions on the same instance (its storage is shared through the
files or the database at DAGSTER_HOME, as with runs the daemon launches side by
side). A worker builds the definitions and opens the instance once and is kept
for later calls in the same process, until the environment changes. A batch
whose worker died is run again by the caller; nothing is lost.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from invoice_pipeline import settings

_POOL: tuple[tuple[Any, ...], ProcessPoolExecutor] | None = None
_WORKER: dict[str, Any] = {}


def _environment() -> tuple[Any, ...]:
    """What a worker's behaviour depends on: the settings, the API keys (as a digest), the
    Dagster variables and the working folder (the embedded default's paths start there).
    Libraries that set variables of their own on import do not restart the workers."""
    keys = hashlib.sha256(repr(sorted(settings.api_keys().items())).encode()).hexdigest()
    return (settings.get(), keys, settings.dagster_variables(), os.getcwd())


def _start_worker() -> None:
    """In a worker: the definitions and the instance, once."""
    from invoice_pipeline import runner
    from invoice_pipeline.definitions import build_definitions

    _WORKER["defs"] = build_definitions()
    _WORKER["instance"] = runner.get_instance()


def _run_in_worker(keys: Sequence[str]) -> str | None:
    """In a worker: one batch run; None when it succeeded, else why it failed."""
    from invoice_pipeline import runner

    result = runner.run_batch(_WORKER["defs"], _WORKER["instance"], keys)
    return None if result.success else runner.run_failure(result)


def pool(workers: int) -> ProcessPoolExecutor:
    """The worker processes for this environment (started by spawn: no state is inherited
    but the environment, so each opens its own connections)."""
    global _POOL
    env = _environment()
    if _POOL is not None and _POOL[0] == env and _POOL[1]._max_workers == workers:  # noqa: SLF001
        return _POOL[1]
    shutdown()
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
    )
    _POOL = (env, executor)
    return executor


def shutdown() -> None:
    """Stop the worker processes (they also stop when this process exits)."""
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown(wait=True, cancel_futures=True)
        _POOL = None


def run_batches(
    batches: Sequence[Sequence[str]],
    workers: int,
    run_here: Callable[[Sequence[str]], str | None],
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Run every batch; ``{document_id: why its run failed}``.

    This process and ``workers - 1`` worker processes take the next batch from one queue
    whenever they are free (a thread here hands each worker its batches). A batch whose
    worker died goes back to the queue and is run here.
    """
    errors: dict[str, str] = {}
    todo = deque(batches)
    lock = threading.Lock()
    broken = threading.Event()

    def take() -> Sequence[str] | None:
        with lock:
            return todo.popleft() if todo else None

    def done(batch: Sequence[str], failure: str | None) -> None:
        with lock:
            if failure:
                errors.update(dict.fromkeys(batch, failure))
            if on_batch:
                on_batch(len(batch))

    def feed(executor: ProcessPoolExecutor) -> None:
        while not broken.is_set() and (batch := take()) is not None:
            try:
                failure = executor.submit(_run_in_worker, list(batch)).result()
            except Exception:  # the worker died (BrokenProcessPool) or could not start
                broken.set()
                with lock:
                    todo.appendleft(batch)
                return
            done(batch, failure)

    feeders: list[threading.Thread] = []
    if workers > 1 and len(batches) > 1:
        executor = pool(workers - 1)
        feeders = [
            threading.Thread(target=feed, args=(executor,), name=f"batch-worker-{i}", daemon=True)
            for i in range(min(workers - 1, len(batches) - 1))
        ]
        for thread in feeders:
            thread.start()
    while (batch := take()) is not None:
        done(batch, run_here(batch))
    for thread in feeders:
        thread.join()
    if broken.is_set():
        shutdown()
    while (batch := take()) is not None:  # what a dead worker left
        done(batch, run_here(batch))
    return errors
