"""``invoice-pipeline process`` runs its batches in this process and in worker processes at
once, on the same instance, and loses no batch when a worker dies."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import dagster as dg

from invoice_pipeline import batch_workers, runner
from invoice_pipeline.jobs import JOB_NAME
from invoice_pipeline.samples import generate_invoice


def test_batches_run_here_and_in_a_worker_process(pipeline_env) -> None:
    files = []
    for i, locale in enumerate(["en", "de", "fr", "sv"]):
        data, suffix, truth = generate_invoice(300 + i, locale, kind="pdf")
        path = pipeline_env["inbox"] / f"{locale}{suffix}"
        path.write_bytes(data)
        files.append((path, truth))
    try:
        records = runner.process([str(p) for p, _ in files], batch_size=1, workers=2)
        instance = runner.get_instance()
        runs = instance.get_runs(dg.RunsFilter(job_name=JOB_NAME))
        pids = set()
        for run in runs:
            [start] = instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.RUN_START
            ).records
            pids.add(start.event_log_entry.dagster_event.pid)
            assert run.status == dg.DagsterRunStatus.SUCCESS
        instance.dispose()
    finally:
        batch_workers.shutdown()
    assert [r.invoice_number for r in records] == [t.invoice_number for _, t in files]
    assert all(r.status in ("approved", "manual_review") for r in records)
    assert len(runs) == 4  # one run per batch of one document
    assert os.getpid() in pids and len(pids) == 2  # this process and one worker ran batches


def test_a_dead_worker_loses_no_batch(monkeypatch) -> None:
    # a worker that fails while starting: the pool breaks, and its batch goes back to the queue
    broken = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"), initializer=int, initargs=("x",)
    )
    monkeypatch.setattr(batch_workers, "pool", lambda workers: broken)
    ran: list[list[str]] = []

    def run_here(batch):
        ran.append(list(batch))
        return "failed here" if batch == ["c"] else None

    try:
        errors = batch_workers.run_batches([["a"], ["b"], ["c"]], 2, run_here)
    finally:
        broken.shutdown()
    assert sorted(ran) == [["a"], ["b"], ["c"]]
    assert errors == {"c": "failed here"}
