"""What every per-document asset shares: group, partitions, batching, retries."""

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import dagster as dg

from invoice_pipeline.partitions import documents
from invoice_pipeline.processing import config
from invoice_pipeline.schema import Issue

T = TypeVar("T")

GROUP = "invoice"

# BackfillPolicy is marked beta; the warning on every import helps nobody.
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def retry(max_retries: int, delay: float = 2.0) -> dg.RetryPolicy:
    """Exponential backoff with jitter, as DESIGN.md lists per stage."""
    return dg.RetryPolicy(
        max_retries=max_retries,
        delay=delay,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


def document_asset(**kwargs: Any) -> Any:
    """``@dg.asset`` with the documents partitions, the invoice group and multi-run backfills."""
    kwargs.setdefault("group_name", GROUP)
    kwargs.setdefault("partitions_def", documents)
    kwargs.setdefault(
        "backfill_policy",
        dg.BackfillPolicy.multi_run(max_partitions_per_run=config.batch_size()),
    )
    kwargs.setdefault("io_manager_key", "io_manager")
    return dg.asset(**kwargs)


TRANSIENT = (MemoryError, TimeoutError, ConnectionError)
"""Errors a retry may cure: they fail the step so Dagster's RetryPolicy runs it again."""


def guarded(
    context: dg.AssetExecutionContext,
    key: str,
    work: Callable[[], T],
    failed: Callable[[Issue], T],
    stage: str,
) -> T:
    """Run one document's work; an unexpected error fails that document, not the batch.

    The document gets an ``internal_error`` issue naming the exception, the
    traceback goes to the run log, and the other documents of the batch go on.
    Transient errors still raise, so the step is retried.
    """
    try:
        return work()
    except TRANSIENT:
        raise
    except Exception as exc:
        context.log.exception(f"{key}: {stage} failed")
        return failed(
            Issue(
                code="internal_error",
                message=f"{stage} failed: {type(exc).__name__}: {str(exc)[:300]}",
                stage=stage,
            )
        )


STAGE_STATUS = {
    "raw": "uploaded",
    "preprocessed": "preprocessing",
    "ocr_text": "ocr",
    "llm_fields": "extracting",
    "validated": "validating",
}
"""The status a document has once a stage is done (the original service's list)."""


def stage_status(key: str, stage: str, value: Any) -> tuple[str, str, str, list[str]]:
    """(document_id, stage, status, reasons) for the results database's status table."""
    if getattr(value, "failed", False):
        issues = getattr(value, "issues", [])
        reasons = [f"{i.code}: {i.message}" for i in issues if i.severity == "error"]
        return key, stage, "failed", reasons
    return key, stage, STAGE_STATUS[stage], []


def record_statuses(store: Any, stage: str, values: dict[str, Any]) -> None:
    """Write the stage every document of the batch reached, in one transaction."""
    store.set_statuses([stage_status(key, stage, value) for key, value in values.items()])


def add_partition_metadata(
    context: dg.AssetExecutionContext, key: str, metadata: dict[str, Any]
) -> None:
    """Materialization metadata for one document of the batch.

    ``context.add_asset_metadata(partition_key=...)`` checks the key against every
    partition of the dynamic partitions definition, a query that grows with the
    number of documents, once per call. The keys of this run are already known,
    so the metadata goes straight to the step's accumulator; a Dagster version
    without it falls back to the public call.
    """
    step = getattr(context.op_execution_context, "_step_execution_context", None)
    accumulator = getattr(step, "_metadata_accumulator", None)
    if accumulator is None or not hasattr(accumulator, "with_additional_asset_metadata"):
        context.add_asset_metadata(metadata, partition_key=key)
        return
    step._metadata_accumulator = accumulator.with_additional_asset_metadata(  # type: ignore[union-attr]
        asset_key=context.assets_def.key, metadata=metadata, partition_key=key
    )


def issues_md(issues: list[Any]) -> str:
    if not issues:
        return "none"
    return "\n".join(
        f"- **{i.code}** ({i.severity}{', ' + i.field if i.field else ''}): {i.message}"
        for i in issues
    )
