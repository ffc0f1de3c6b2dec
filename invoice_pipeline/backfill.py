"""Re-running sets of documents: real Dagster backfills over the ``documents`` partitions.

:func:`select_documents` turns a :class:`Selection` (all, failed, by status,
received since a date, or explicit ids) into document ids, in partition order.
Statuses come from the results database (``ResultsStore.records(status=...)``
and the per-document ``document_status`` rows); ``failed`` also takes every
partition whose last attempt to materialise any of the six assets failed in
Dagster (a run that crashed never writes a record). "Since" filters on the
time the document was registered (``DocumentEntry.registered_at``).
:func:`launch_backfill` adds an asset backfill of the six per-document assets
to the instance, exactly as the UI's "Materialize" dialog does; the daemon of
``dagster dev`` executes it in runs of up to INVOICE_BATCH_SIZE documents
(``BackfillPolicy.multi_run``), and it shows under Overview → Backfills.
:func:`run_now` runs the same batches in this process through
:func:`invoice_pipeline.runner.run_batch`, for a machine without a daemon.
Re-materialising is idempotent: the archive is content-addressed and the
results database upserts by document id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import dagster as dg

from invoice_pipeline import settings
from invoice_pipeline.dagster_compat import new_asset_backfill
from invoice_pipeline.partitions import documents
from invoice_pipeline.processing.intake.store import DocumentStore

DOCUMENT_ASSET_NAMES = ("raw", "preprocessed", "ocr_text", "llm_fields", "validated", "evaluation")
ORIGIN_TAG = "invoice/origin"
SELECTION_TAG = "invoice/selection"


class UnknownDocumentsError(ValueError):
    """Some requested document ids are not partitions of ``documents`` in this instance."""

    def __init__(self, missing: Sequence[str]):
        self.missing = list(missing)
        shown = ", ".join(self.missing[:10]) + (" ..." if len(self.missing) > 10 else "")
        super().__init__(f"{len(self.missing)} unknown document id(s): {shown}")


@dataclass(frozen=True)
class Selection:
    """Which documents to re-run; ``since`` narrows any of the others (or all, alone)."""

    all: bool = False
    failed: bool = False
    statuses: tuple[str, ...] = ()
    since: dt.datetime | None = None
    document_ids: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.all or self.failed or self.statuses or self.since or self.document_ids)

    def describe(self) -> str:
        parts: list[str] = []
        if self.all:
            parts.append("all")
        if self.failed:
            parts.append("failed")
        parts += [f"status={s}" for s in self.statuses]
        if self.document_ids:
            parts.append(f"{len(self.document_ids)} id(s)")
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        return ", ".join(parts) or "nothing"


def parse_since(value: str) -> dt.datetime:
    """``2024-05-01`` or an ISO 8601 date-time; naive values are UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"not a date (YYYY-MM-DD) or ISO date-time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def document_asset_keys() -> list[dg.AssetKey]:
    return [dg.AssetKey(name) for name in DOCUMENT_ASSET_NAMES]


# --------------------------------------------------------------------- status


def _results_ids(statuses: Iterable[str], results_url: str) -> set[str]:
    from invoice_pipeline.processing.results.store import ResultsStore

    wanted = set(statuses)
    with ResultsStore(results_url) as results:
        results.migrate()
        ids = {r.document_id for s in wanted for r in results.records(status=s)}
        ids |= {row["document_id"] for row in results.status() if row["status"] in wanted}
    return ids


def dagster_failed(instance: dg.DagsterInstance, keys: Sequence[str]) -> set[str]:
    """Partitions whose latest attempt at any of the six assets failed in Dagster."""
    failed: set[str] = set()
    if not keys:
        return failed
    for asset_key in document_asset_keys():
        by_partition = instance.get_status_by_partition(asset_key, keys, documents) or {}
        failed |= {k for k, s in by_partition.items() if s == dg.AssetPartitionStatus.FAILED}
    return failed


def registered_since(store: DocumentStore, keys: Iterable[str], since: dt.datetime) -> set[str]:
    """The documents among ``keys`` registered at or after ``since``."""
    out: set[str] = set()
    for key in keys:
        if store.has_entry(key):
            registered = store.entry(key).registered_at
            if registered.tzinfo is None:
                registered = registered.replace(tzinfo=dt.UTC)
            if registered >= since:
                out.add(key)
    return out


def select_documents(
    instance: dg.DagsterInstance,
    selection: Selection,
    *,
    results_url: str | None = None,
    store: DocumentStore | None = None,
) -> list[str]:
    """The selected document ids, in the order of the ``documents`` partitions."""
    order = list(instance.get_dynamic_partitions(documents.name))
    existing = set(order)
    if selection.document_ids:
        missing = [k for k in dict.fromkeys(selection.document_ids) if k not in existing]
        if missing:
            raise UnknownDocumentsError(missing)
    chosen: set[str] = set()
    if selection.all or (selection.since and not selection.failed and not selection.statuses):
        chosen = set(existing)
    statuses = set(selection.statuses) | ({"failed"} if selection.failed else set())
    if statuses:
        chosen |= _results_ids(statuses, results_url or settings.get().results_db_url) & existing
    if selection.failed:
        chosen |= dagster_failed(instance, order)
    chosen |= set(selection.document_ids)
    if selection.since is not None:
        store = store or DocumentStore(settings.get().storage_root)
        chosen &= registered_since(store, chosen, selection.since)
    return [k for k in order if k in chosen]


# ------------------------------------------------------------------ backfills


def launch_backfill(
    instance: dg.DagsterInstance,
    document_ids: Sequence[str],
    *,
    defs: dg.Definitions | None = None,
    title: str | None = None,
    description: str | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """Add an asset backfill of the six assets over ``document_ids``; its id.

    The daemon picks it up (``dagster dev`` runs one) and launches runs of up
    to INVOICE_BATCH_SIZE documents each, as the assets' multi-run policy says.
    """
    if not document_ids:
        raise ValueError("no documents to backfill")
    if defs is None:
        from invoice_pipeline.definitions import build_definitions

        defs = build_definitions()
    return new_asset_backfill(
        instance,
        defs,
        asset_keys=document_asset_keys(),
        partition_keys=list(dict.fromkeys(document_ids)),
        tags={ORIGIN_TAG: "backfill", **(tags or {})},
        title=title,
        description=description,
    )


@dataclass
class InProcessResult:
    """What :func:`run_now` did: the batches run and those whose run failed."""

    batches: list[list[str]] = field(default_factory=list)
    failed_batches: list[list[str]] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)


def run_now(
    instance: dg.DagsterInstance,
    document_ids: Sequence[str],
    *,
    defs: dg.Definitions | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> InProcessResult:
    """Materialise the six assets for ``document_ids`` here, in multi-run batches."""
    from invoice_pipeline import runner

    if defs is None:
        from invoice_pipeline.definitions import build_definitions

        defs = build_definitions()
    result = InProcessResult()
    for batch in runner.batches(instance, document_ids, batch_size or settings.get().batch_size):
        run = runner.run_batch(defs, instance, batch)
        result.batches.append(batch)
        result.run_ids.append(run.run_id)
        if not run.success:
            result.failed_batches.append(batch)
        if on_batch:
            on_batch(len(batch))
    if result.batches:
        runner.export_table(defs, instance)
    return result


def backfill_title(selection: Selection, count: int) -> str:
    """A title for the UI's backfill list (at most 100 characters, no ``%``, ``*`` or quotes)."""
    text = selection.describe().replace("%", "").replace("*", "").replace('"', "")
    return f"invoice-pipeline backfill: {text} ({count} documents)"[:100]
