"""Running the Dagster definitions over given files: what ``invoice-pipeline process`` does.

Files are registered in the document store and added as partitions of
``documents`` in the Dagster instance at DAGSTER_HOME; the six assets are then
materialised through the asset job in runs over batches of documents (the
same partition-range runs that a multi-run backfill launches), and each
document's record is read back from the results database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from invoice_pipeline import settings
from invoice_pipeline.dagster_compat import partition_range_tags
from invoice_pipeline.jobs import JOB_NAME, TABLE_JOB_NAME
from invoice_pipeline.partitions import documents
from invoice_pipeline.processing.intake.ignore import is_ignored
from invoice_pipeline.processing.intake.store import DocumentStore
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.schema import DocumentEntry, InvoiceRecord, Issue

QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


EARLIER_EMBEDDED_SETTINGS = "telemetry:\n  enabled: false\n"
"""What earlier versions wrote into a new embedded instance; replaced on first use."""


def get_instance() -> dg.DagsterInstance:
    """The instance at DAGSTER_HOME, or the embedded default folder (SQLite) when unset.

    A folder without dagster.yaml gets the embedded default's (``embedded_settings``):
    Dagster's SQLite files in the folder, the event log with its connections kept open.
    A dagster.yaml of the user's own is used as it is.
    """
    from invoice_pipeline.instance_storage.sqlite import embedded_settings

    home = settings.use_dagster_home(settings.get().dagster_home)
    yaml_file = home / "dagster.yaml"
    if not yaml_file.exists() or yaml_file.read_text() == EARLIER_EMBEDDED_SETTINGS:
        yaml_file.write_text(embedded_settings(home))
    return dg.DagsterInstance.get()


def collect_files(paths: Iterable[str]) -> list[tuple[str, Path]]:
    """(path as given or found, resolved path) for every file under the given paths."""
    out: list[tuple[str, Path]] = []
    extra = settings.get().inbox_settings.ignore_patterns
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not is_ignored(rel, extra):
                    out.append((str(child), child))
        else:
            out.append((given, path))
    return out


@dataclass
class Registered:
    given: str
    entry: DocumentEntry | None
    error: str | None = None


def register(
    instance: dg.DagsterInstance, store: DocumentStore, files: Sequence[tuple[str, Path]]
) -> list[Registered]:
    """Register each file and add its document id as a partition (once per content)."""
    out: list[Registered] = []
    for given, path in files:
        try:
            entry = store.register_file(path, source_file=given, origin="cli")
        except OSError as exc:
            out.append(Registered(given, None, f"cannot read {given}: {exc.strerror or exc}"))
            continue
        out.append(Registered(given, entry))
    keys = list(dict.fromkeys(r.entry.document_id for r in out if r.entry))
    new = [k for k in keys if not instance.has_dynamic_partition(documents.name, k)]
    if new:
        instance.add_dynamic_partitions(documents.name, new)
    return out


def batches(instance: dg.DagsterInstance, keys: Sequence[str], size: int) -> list[list[str]]:
    """Contiguous runs of ``keys`` in the partition order, at most ``size`` each."""
    wanted = set(keys)
    order = instance.get_dynamic_partitions(documents.name)
    out: list[list[str]] = []
    current: list[str] = []
    for key in order:
        if key in wanted:
            current.append(key)
            if len(current) >= size:
                out.append(current)
                current = []
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def run_batch(
    defs: dg.Definitions, instance: dg.DagsterInstance, keys: Sequence[str]
) -> dg.ExecuteInProcessResult:
    """Materialise the six assets for a contiguous range of documents in one run."""
    job = defs.resolve_job_def(JOB_NAME)
    if len(keys) == 1:
        return job.execute_in_process(
            instance=instance,
            partition_key=keys[0],
            run_config=QUIET_RUN_CONFIG,
            raise_on_error=False,
            tags={"invoice/origin": "cli"},
        )
    return job.execute_in_process(
        instance=instance,
        run_config=QUIET_RUN_CONFIG,
        raise_on_error=False,
        tags={**partition_range_tags(keys[0], keys[-1]), "invoice/origin": "cli"},
    )


def run_failure(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            err = event.step_failure_data.error
            return f"step {event.step_key} failed: {err.message.strip()[:500]}"
    return "the run failed"


def failed_record(document_id: str, source_file: str, code: str, message: str) -> InvoiceRecord:
    return InvoiceRecord(
        document_id=document_id,
        source_file=source_file,
        status="failed",
        issues=[Issue(code=code, message=message, stage="pipeline")],
    )


def process(
    paths: Sequence[str],
    *,
    batch_size: int | None = None,
    defs: dg.Definitions | None = None,
    instance: dg.DagsterInstance | None = None,
    on_batch: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> list[InvoiceRecord]:
    """Run the pipeline over files and folders; one record per file, in the order given.

    The batches run ``workers`` at a time (``INVOICE_PROCESS_WORKERS``; see
    :mod:`invoice_pipeline.batch_workers`). Definitions passed in are the caller's own,
    which a worker process cannot share, so with ``defs`` and no ``workers`` every batch
    runs here; so it does on an ephemeral instance.
    """
    from invoice_pipeline.batch_workers import run_batches

    if workers is None:
        workers = settings.get().process_workers if defs is None else 1
    if defs is None:
        from invoice_pipeline.definitions import build_definitions

        defs = build_definitions()
    instance = instance or get_instance()
    if instance.is_ephemeral:
        workers = 1
    store = DocumentStore(settings.get().storage_root)
    registered = register(instance, store, collect_files(paths))
    keys = list(dict.fromkeys(r.entry.document_id for r in registered if r.entry))

    def run_here(batch: Sequence[str]) -> str | None:
        result = run_batch(defs, instance, batch)
        return None if result.success else run_failure(result)

    errors = run_batches(
        batches(instance, keys, batch_size or settings.get().batch_size),
        workers,
        run_here,
        on_batch,
    )
    if keys:
        export_table(defs, instance)

    results = ResultsStore(settings.get().results_db_url)
    records: list[InvoiceRecord] = []
    first_file: dict[str, str] = {}
    for reg in registered:
        if reg.entry is None:
            records.append(failed_record("", reg.given, "unreadable_file", reg.error or ""))
            continue
        key = reg.entry.document_id
        record = results.get_record(key)
        if record is None or key in errors:
            record = failed_record(
                key, reg.given, "pipeline_error", errors.get(key, "no record was written")
            )
        record = record.model_copy(deep=True)
        record.source_file = reg.given
        if key in first_file:
            record.issues.append(
                Issue(
                    code="duplicate_file",
                    message=f"same content as {first_file[key]}; processed once",
                    severity="info",
                    stage="pipeline",
                )
            )
        else:
            first_file[key] = reg.given
        records.append(record)
    return records


def export_table(defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
    """Materialise the unpartitioned ``invoices`` Parquet table."""
    job = defs.resolve_job_def(TABLE_JOB_NAME)
    job.execute_in_process(
        instance=instance,
        run_config=QUIET_RUN_CONFIG,
        tags={"invoice/origin": "cli", "invoice/at": dt.datetime.now(dt.UTC).isoformat()},
    )
