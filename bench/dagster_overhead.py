"""Dagster's own cost per document: the six assets with the processing replaced by nothing.

Usage: ``python bench/dagster_overhead.py [--storages sqlite,sqlite_stock,postgres,postgres_pooled]
[--executors in_process,multiprocess] [--variants noop,trivial]``.

For each variant (see ``bench/_overhead_defs.py``: ``noop`` is our real
assets, resources, IO manager, metadata, status rows, checks and
results-database writes with the processing layer swapped for functions that
return empty values; ``trivial`` is six do-nothing assets with the same
partitions, IO manager and metadata pattern, the shape of the anchors), each
storage (the embedded SQLite default, whose event log keeps its connections
open, ``sqlite``, and Dagster's own SQLite storage, ``sqlite_stock``; PostgreSQL
through dagster-postgres's
stock storage, ``postgres``, as the Helm chart's instance has it, and through
the top-level dagster.yaml's storage with its connections held open,
``postgres_pooled``, on a database created for the run and dropped afterwards;
every storage with DAGSTER_EVENT_BATCH_SIZE=100, as the code location and deploy/
set it) and each executor
(in_process; multiprocess: one process per step), it times per-document runs
(one partition per run, what the sensor launches) and one batch run over
``--batch`` documents (a partition range, what a multi-run backfill
launches). The first in_process run of each cell is a warm-up, reported
apart (a multiprocess run starts its step processes afresh every time).
in_process runs use ``execute_in_process`` as ``runner.run_batch`` does;
multiprocess runs use ``execute_job`` on a reconstructable job. Runs execute
in this process, so the process start a daemon-launched run adds is not in
these figures (``bench/throughput.py`` measures it as "cold start").
Anchors measured earlier on this machine with six trivial assets on SQLite:
0.6 s per document run in process, 12 s with the multiprocess executor,
0.15 s per document inside one in-process run over 20 documents. Targets:
<= 0.15 s per document in a batch, <= 0.7 s per per-document run. Prints a
table, writes ``bench/results/dagster_overhead.json`` and ``.png``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/dagster_overhead.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    REPO_ROOT,
    Stopwatch,
    bar_chart,
    environ,
    percentile,
    print_table,
    quiet_logs,
    seed_instance,
)
from bench._main import Benchmark, run_benchmark  # noqa: E402
from invoice_pipeline.settings import EVENT_BATCH_SIZE  # noqa: E402

POSTGRES_STORAGES = ("postgres", "postgres_pooled")
"""dagster-postgres's stock storage, and the top-level dagster.yaml's (connections held open)."""
STORAGES = ("sqlite", "sqlite_stock", *POSTGRES_STORAGES)
"""The embedded default (event log with held connections), Dagster's own SQLite storage."""
TARGET_BATCH_PER_DOC_S = 0.15
TARGET_PER_DOC_RUN_S = 0.7
ANCHORS = {
    ("trivial", "sqlite_stock", "in_process"): {"per_document_run_s": 0.6, "batch_per_doc_s": 0.15},
    ("trivial", "sqlite_stock", "multiprocess"): {"per_document_run_s": 12.0},
}
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


# ----------------------------------------------------------------- storage


def pg_settings() -> dict[str, Any]:
    """Where the PostgreSQL server is: DAGSTER_PG_* or 127.0.0.1:5432 as postgres."""
    return {
        "hostname": os.environ.get("DAGSTER_PG_HOST", "127.0.0.1"),
        "port": int(os.environ.get("DAGSTER_PG_PORT", "5432")),
        "username": os.environ.get("DAGSTER_PG_USER", "postgres"),
        "password": os.environ.get("DAGSTER_PG_PASSWORD", ""),
    }


def _pg_admin(sql: str) -> None:
    import psycopg2

    s = pg_settings()
    conn = psycopg2.connect(
        host=s["hostname"],
        port=s["port"],
        user=s["username"],
        password=s["password"] or None,
        dbname="postgres",
        connect_timeout=5,
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def postgres_available() -> str | None:
    """None when a database can be created on the server, else why not."""
    try:
        import dagster_postgres  # noqa: F401
        import psycopg2  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[postgres]')"
    try:
        _pg_admin("SELECT 1")
    except Exception as exc:
        return f"cannot connect to PostgreSQL: {str(exc).strip()[:200]}"
    return None


@contextmanager
def storage_env(kind: str, root: Path) -> Iterator[Any]:
    """A fresh Dagster instance (and results DB) on SQLite files or on new PostgreSQL databases."""
    import dagster as dg
    import yaml

    home = root / "dagster_home"
    home.mkdir(parents=True)
    settings: dict[str, Any] = {"telemetry": {"enabled": False}}
    dbs: list[str] = []
    results_url = f"sqlite:///{root / 'results.sqlite'}"
    if kind in POSTGRES_STORAGES:
        s = pg_settings()
        base = f"bench_overhead_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        dbs = [f"{base}_dagster", f"{base}_results"]
        for db in dbs:
            _pg_admin(f'CREATE DATABASE "{db}"')
        postgres_db = {
            "scheme": "postgresql+psycopg2",
            "hostname": s["hostname"],
            "port": s["port"],
            "username": s["username"],
            "password": s["password"],
            "db_name": dbs[0],
        }
        if kind == "postgres":  # the stock storage (the Helm chart's instance)
            settings["storage"] = {"postgres": {"postgres_db": postgres_db}}
        else:  # the top-level dagster.yaml: connections held open
            for key, cls in (
                ("run_storage", "PooledPostgresRunStorage"),
                ("event_log_storage", "PooledPostgresEventLogStorage"),
                ("schedule_storage", "PooledPostgresScheduleStorage"),
            ):
                settings[key] = {
                    "module": "invoice_pipeline.instance_storage.postgres",
                    "class": cls,
                    "config": {"postgres_db": postgres_db},
                }
        auth = s["username"] + (f":{s['password']}" if s["password"] else "")
        results_url = f"postgresql+psycopg2://{auth}@{s['hostname']}:{s['port']}/{dbs[1]}"
        (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    elif kind in ("sqlite", "sqlite_stock"):
        seed_instance(home)  # the embedded default's dagster.yaml, schemas made once
        if kind == "sqlite_stock":  # Dagster's own SQLite storage: no storage keys at all
            (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    else:
        raise ValueError(f"unknown storage {kind!r}: one of {', '.join(STORAGES)}")
    try:
        with environ(
            DAGSTER_HOME=str(home),
            INVOICE_STORAGE=str(root / "storage"),
            INVOICE_INBOX=str(root / "inbox"),
            INVOICE_RESULTS_DB_URL=results_url,
            LLM_PROVIDER="rules",
            OCR_ENGINE="auto",
            # as the code location (settings.batch_dagster_events) and deploy/ set it
            DAGSTER_EVENT_BATCH_SIZE=str(EVENT_BATCH_SIZE),
        ):
            instance = dg.DagsterInstance.from_config(str(home))
            try:
                yield instance
            finally:
                instance.dispose()
    finally:
        for db in dbs:
            try:
                _pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            except Exception as exc:  # leave a note, never hide the benchmark's own error
                print(f"could not drop database {db}: {exc}", file=sys.stderr)


# --------------------------------------------------------------------- runs


def register(instance: Any, root: Path, keys: list[str]) -> None:
    """Partitions for ``keys``; each also registered in the document store (``raw`` reads it)."""
    from invoice_pipeline.partitions import documents
    from invoice_pipeline.processing.intake.store import DocumentStore

    store = DocumentStore(str(root / "storage"))
    files = root / "files"
    files.mkdir(exist_ok=True)
    for key in keys:
        path = files / f"{key}.pdf"
        path.write_bytes(f"%PDF-1.4\n% {key}\n".encode())
        entry = store.register_file(path, source_file=str(path), origin="cli")
        # the partition key is the store's document id; keep the benchmark's names readable
        store.register(entry.model_copy(update={"document_id": key}))
    instance.add_dynamic_partitions(documents.name, keys)


def execute(
    instance: Any, variant: str, executor: str, keys: list[str], defs: Any | None
) -> tuple[float, bool]:
    """One run over ``keys`` (one key: a partition; several: a partition range)."""
    import dagster as dg
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
        PARTITION_NAME_TAG,
    )

    if len(keys) == 1:
        tags = {PARTITION_NAME_TAG: keys[0]}
    else:
        tags = {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]}
    started = time.perf_counter()
    if executor == "in_process":
        job = defs.resolve_job_def("invoice_job")
        if len(keys) == 1:
            result = job.execute_in_process(
                instance=instance,
                partition_key=keys[0],
                run_config=QUIET_RUN_CONFIG,
                raise_on_error=False,
            )
        else:
            result = job.execute_in_process(
                instance=instance, run_config=QUIET_RUN_CONFIG, raise_on_error=False, tags=tags
            )
        success = result.success
    else:
        job = dg.build_reconstructable_job(
            "bench._overhead_defs",
            "overhead_job",
            reconstructable_args=(variant, executor),
            reconstructor_working_directory=str(REPO_ROOT),
        )
        with dg.execute_job(
            job, instance=instance, run_config=QUIET_RUN_CONFIG, tags=tags, raise_on_error=False
        ) as result:
            success = result.success
    return time.perf_counter() - started, success


def measure_cell(
    variant: str, storage: str, executor: str, *, per_doc: int, batch: int
) -> dict[str, Any]:
    """Warm-up, ``per_doc`` one-document runs and one run over ``batch`` documents."""
    from bench import _overhead_defs

    with (
        tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp,
        storage_env(storage, Path(tmp)) as instance,
        _overhead_defs.noop_processing() if variant == "noop" else nullcontext(),
    ):
        root = Path(tmp)
        warm = ["warmup-000"]
        singles = [f"single-{i:03d}" for i in range(per_doc)]
        batch_keys = [f"batch-{i:03d}" for i in range(batch)]
        register(instance, root, warm + singles + batch_keys)
        event_log = type(instance.event_log_storage).__name__
        defs = (
            _overhead_defs.build_definitions(variant, executor)
            if executor == "in_process"
            else None
        )
        failures = 0
        first_s = None
        if executor == "in_process":  # a multiprocess run starts fresh processes anyway
            first_s, ok = execute(instance, variant, executor, warm, defs)
            failures += not ok
        per_run: list[float] = []
        for key in singles:
            seconds, ok = execute(instance, variant, executor, [key], defs)
            per_run.append(seconds)
            failures += not ok
        batch_s = None
        if batch_keys:
            batch_s, ok = execute(instance, variant, executor, batch_keys, defs)
            failures += not ok
    return {
        "variant": variant,
        "storage": storage,
        "executor": executor,
        "first_run_s": None if first_s is None else round(first_s, 3),
        "per_document_runs": len(per_run),
        "per_document_run_s": round(statistics.fmean(per_run), 3) if per_run else None,
        "per_document_run_p50_s": percentile(per_run, 50),
        "per_document_run_max_s": round(max(per_run), 3) if per_run else None,
        "batch_documents": batch,
        "batch_run_s": round(batch_s, 3) if batch_s is not None else None,
        "batch_per_doc_s": round(batch_s / batch, 4) if batch_s is not None and batch else None,
        "failed_runs": failures,
        "event_log_storage": event_log,
    }


def measure(
    *,
    variants: tuple[str, ...] = ("noop", "trivial"),
    storages: tuple[str, ...] = STORAGES,
    executors: tuple[str, ...] = ("in_process", "multiprocess"),
    per_doc: int = 5,
    per_doc_multiprocess: int = 1,
    batch: int = 20,
    multiprocess_variants: tuple[str, ...] = ("noop",),
) -> dict[str, Any]:
    """Every (variant, storage, executor) cell; PostgreSQL cells are skipped with the reason."""
    quiet_logs()
    skipped: dict[str, str] = {}
    if set(storages) & set(POSTGRES_STORAGES):
        reason = postgres_available()
        if reason:
            for kind in set(storages) & set(POSTGRES_STORAGES):
                skipped[kind] = reason
            storages = tuple(s for s in storages if s not in POSTGRES_STORAGES)
            print(f"PostgreSQL skipped: {reason}", file=sys.stderr)
    cells = []
    for executor in executors:
        for storage in storages:
            for variant in variants:
                if executor == "multiprocess" and variant not in multiprocess_variants:
                    continue
                count = per_doc if executor == "in_process" else per_doc_multiprocess
                print(f"{variant} / {storage} / {executor} ...", flush=True)
                with Stopwatch() as sw:
                    cell = measure_cell(variant, storage, executor, per_doc=count, batch=batch)
                cell["cell_seconds"] = round(sw.seconds, 1)
                anchor = ANCHORS.get((variant, storage, executor))
                if anchor:
                    cell["anchor"] = anchor
                cell["meets_batch_target"] = (
                    cell["batch_per_doc_s"] is not None
                    and cell["batch_per_doc_s"] <= TARGET_BATCH_PER_DOC_S
                )
                cell["meets_per_doc_target"] = (
                    cell["per_document_run_s"] is not None
                    and cell["per_document_run_s"] <= TARGET_PER_DOC_RUN_S
                )
                cells.append(cell)
    return {
        "targets": {
            "batch_per_doc_s": TARGET_BATCH_PER_DOC_S,
            "per_document_run_s": TARGET_PER_DOC_RUN_S,
        },
        "anchors_trivial_sqlite": {
            "in_process_per_document_run_s": 0.6,
            "multiprocess_per_document_run_s": 12.0,
            "in_process_batch_per_doc_s": 0.15,
        },
        "skipped": skipped,
        "cells": cells,
    }


def print_report(report: dict[str, Any]) -> None:
    rows = []
    for c in report["cells"]:
        anchor = c.get("anchor", {})
        rows.append(
            [
                c["variant"],
                c["storage"],
                c["executor"],
                c["first_run_s"],
                c["per_document_run_s"],
                anchor.get("per_document_run_s"),
                c["batch_run_s"],
                c["batch_per_doc_s"],
                anchor.get("batch_per_doc_s"),
                c["meets_per_doc_target"] and c["meets_batch_target"],
            ]
        )
    print_table(
        [
            "variant",
            "storage",
            "executor",
            "first run s",
            "s/doc run",
            "anchor",
            f"batch({report['cells'][0]['batch_documents'] if report['cells'] else 0}) s",
            "s/doc in batch",
            "anchor",
            "targets met",
        ],
        rows,
        title=f"Dagster cost per document (targets: <= {TARGET_PER_DOC_RUN_S} s per "
        f"per-document run, <= {TARGET_BATCH_PER_DOC_S} s per document in a batch)",
    )
    for storage, reason in report["skipped"].items():
        print(f"{storage}: skipped ({reason})")


def chart(report: dict[str, Any], path: Path) -> Path | None:
    cells = report["cells"]
    if not cells:
        return None
    labels = [f"{c['variant']}\n{c['storage']}\n{c['executor']}" for c in cells]
    return bar_chart(
        path,
        "Dagster cost per document (processing replaced by nothing)",
        labels,
        {
            "per-document run (s)": [c["per_document_run_s"] for c in cells],
            "per document inside a batch run (s)": [c["batch_per_doc_s"] for c in cells],
        },
        ylabel="seconds (log scale)",
        log_scale=True,
    )


def _csv(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variants", type=_csv, default=("noop", "trivial"))
    parser.add_argument("--storages", type=_csv, default=STORAGES)
    parser.add_argument("--executors", type=_csv, default=("in_process", "multiprocess"))
    parser.add_argument(
        "--multiprocess-variants",
        type=_csv,
        default=("noop",),
        help="variants also timed on the multiprocess executor (slow: a process per step)",
    )
    parser.add_argument("--per-doc", type=int, default=5, help="one-document runs, in_process")
    parser.add_argument(
        "--per-doc-multiprocess", type=int, default=1, help="one-document runs, multiprocess"
    )
    parser.add_argument("--batch", type=int, default=20, help="documents in the batch run")


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    return measure(
        variants=args.variants,
        storages=args.storages,
        executors=args.executors,
        per_doc=args.per_doc,
        per_doc_multiprocess=args.per_doc_multiprocess,
        batch=args.batch,
        multiprocess_variants=args.multiprocess_variants,
    )


BENCHMARK = Benchmark(
    name="dagster_overhead",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    chart=chart,
    exit_status=lambda report: 1 if any(c["failed_runs"] for c in report["cells"]) else 0,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
