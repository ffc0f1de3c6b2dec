"""``drop_folder_sensor``: files dropped into INVOICE_INBOX become documents, one run each.

A thin Dagster wrapper around :class:`~invoice_pipeline.processing.intake.scanner.InboxScanner`:
each tick returns one :class:`dagster.SensorResult` that adds the new
documents as partitions of ``documents`` and requests one ``invoice_job`` run
per new document (``run_key`` = document id, so a replayed tick never
launches a second run), with the cursor the scanner hands back. Every
document is registered in the document store before its run is requested.
Duplicates and quarantined files are written to the tick log (quarantines
as warnings); the sensor keeps going past any one bad file. It starts
RUNNING by default, so ``dagster dev`` picks up dropped files with no click.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import dagster as dg

from invoice_pipeline import settings
from invoice_pipeline.jobs import invoice_job
from invoice_pipeline.partitions import documents
from invoice_pipeline.processing.intake.scanner import InboxScanner
from invoice_pipeline.processing.intake.store import DocumentStore
from invoice_pipeline.processing.intake.tick_report import NewDocument

if TYPE_CHECKING:
    from invoice_pipeline.dagster_compat import SensorExecutionData

ORIGIN_TAG = "invoice/origin"
SUBFOLDER_TAG = "invoice/subfolder"


def run_request(doc: NewDocument) -> dg.RunRequest:
    """One run of the six assets for one document; the subfolder it came from as a tag."""
    tags = {ORIGIN_TAG: "sensor"}
    if doc.subfolder:
        tags[SUBFOLDER_TAG] = doc.subfolder
    return dg.RunRequest(partition_key=doc.document_id, run_key=doc.document_id, tags=tags)


class _ResultsLedger:
    """The results database, opened (and migrated) only when a tick finds a duplicate."""

    def __init__(self, log: logging.Logger | dg.DagsterLogManager) -> None:
        self._store = None
        self._log = log

    def record_duplicate(self, *args: object) -> None:
        try:
            if self._store is None:
                from invoice_pipeline.processing.results.store import ResultsStore

                self._store = ResultsStore(settings.get().results_db_url)
                self._store.migrate()
            self._store.record_duplicate(*args)
        except Exception as exc:  # the JSON ledger in the store has it already
            self._log.warning(f"duplicate not written to the results database: {exc}")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


@dg.sensor(
    name="drop_folder_sensor",
    job=invoice_job,
    minimum_interval_seconds=settings.get().inbox_settings.sensor_interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches INVOICE_INBOX (a folder or fsspec URL, recursively). A file is taken once its "
        "size and modification time stay unchanged for INVOICE_STABLE_SECONDS; each new document "
        "gets a partition and one run. Duplicates, ignored and quarantined files are reported in "
        "the tick log."
    ),
)
def drop_folder_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    current = settings.get()
    store = DocumentStore(current.storage_root)
    ledger = _ResultsLedger(context.log)
    try:
        report = InboxScanner(current.inbox_settings, store, ledger).tick(context.cursor)
    finally:
        ledger.close()
    for level, line in report.lines():
        (context.log.warning if level == "warning" else context.log.info)(line)

    docs = list({d.document_id: d for d in report.new_documents}.values())
    if not docs:
        return dg.SensorResult(skip_reason=report.summary(), cursor=report.cursor)
    return dg.SensorResult(
        run_requests=[run_request(d) for d in docs],
        dynamic_partitions_requests=[documents.build_add_request([d.document_id for d in docs])],
        cursor=report.cursor,
    )


def tick_in_process(
    instance: dg.DagsterInstance, defs: dg.Definitions, cursor: str | None
) -> tuple[SensorExecutionData, list[str]]:
    """One evaluation of drop_folder_sensor outside the daemon, applied as the daemon applies it.

    The partitions the tick asks for are added to ``instance`` (those it lacks); the
    run requests and the new cursor are the caller's to act on. Returns the tick's
    data (``run_requests``, ``cursor``) and the partition keys added. For tests,
    benchmarks and scripts that drive the sensor without a daemon.
    """
    context = dg.build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        cursor=cursor,
        definitions=defs,
    )
    data = drop_folder_sensor.evaluate_tick(context)
    added: list[str] = []
    for request in data.dynamic_partitions_requests or []:
        existing = set(instance.get_dynamic_partitions(request.partitions_def_name))
        new = [k for k in request.partition_keys if k not in existing]
        if new:
            instance.add_dynamic_partitions(request.partitions_def_name, new)
            added += new
    return data, added
