"""What every per-document asset shares: group, partitions, batching, retries, the loop.

:func:`materialize_documents` is the loop each of the six assets runs over the
documents of its run: one document's work, guarded so that one bad file fails
that document and not the batch; its asset checks; its materialization
metadata; a document whose blocking check failed marked failed (the others go
on); and the stage it reached, written to the results database as it happens.
"""

import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import dagster as dg

from invoice_pipeline import settings
from invoice_pipeline.dagster_compat import add_partition_metadata, log_check_evaluations
from invoice_pipeline.partitions import documents
from invoice_pipeline.schema import Issue

T = TypeVar("T")

GROUP = "invoice"

# BackfillPolicy is marked beta; the warning on every import helps nobody.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
# so is a partitions_def on an AssetCheckSpec (per-document checks)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)


def retry(max_retries: int, delay: float = 2.0) -> dg.RetryPolicy:
    """Exponential backoff with jitter, as DESIGN.md lists per stage.

    INVOICE_RETRY_DELAY_SECONDS, when set, replaces every stage's base delay
    (read when the definitions load).
    """
    configured = settings.get().retry_delay_seconds
    return dg.RetryPolicy(
        max_retries=max_retries,
        delay=delay if configured is None else configured,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


def document_asset(**kwargs: Any) -> Any:
    """``@dg.asset`` with the documents partitions, the invoice group and multi-run backfills."""
    kwargs.setdefault("group_name", GROUP)
    kwargs.setdefault("partitions_def", documents)
    kwargs.setdefault(
        "backfill_policy",
        dg.BackfillPolicy.multi_run(max_partitions_per_run=settings.get().batch_size),
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
    Transient errors still raise, so the step is retried; on the step's last
    attempt they fail the document instead (``retries_exhausted``), so one
    document that keeps running out of memory does not take its batch with it.
    """
    try:
        return work()
    except TRANSIENT as exc:
        policy = context.op_def.retry_policy
        if policy is not None and context.retry_number < policy.max_retries:
            raise
        context.log.exception(f"{key}: {stage} failed on its last attempt")
        return failed(
            Issue(
                code="retries_exhausted",
                message=f"{stage} failed after {context.retry_number} retries: "
                f"{type(exc).__name__}: {str(exc)[:300]}",
                stage=stage,
            )
        )
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


def documents_of(context: dg.AssetExecutionContext) -> list[str]:
    """The document ids this run covers.

    A run for one document (the sensor path) names its partition in a tag; asking
    ``context.partition_keys`` would list every dynamic partition to cut a range
    out of them, a cost that grows with the number of documents ever seen.
    """
    if context.has_partition_key:
        return [context.partition_key]
    return list(context.partition_keys)


def runs_later_in_this_process(context: dg.AssetExecutionContext, step_key: str) -> bool:
    """Whether ``step_key`` is a step of this run executed in this same process (the
    in-process executor); False where each step gets its own process or pod."""
    from invoice_pipeline.resources.io_manager import IN_PROCESS_EXECUTORS

    step = context.get_step_execution_context()
    if step.job_def.executor_def.name not in IN_PROCESS_EXECUTORS:
        return False
    return step_key in step.execution_plan.step_keys_to_execute


def stage_status(key: str, stage: str, value: Any) -> tuple[str, str, str, list[str]]:
    """(document_id, stage, status, reasons) for the results database's status table."""
    if getattr(value, "failed", False):
        issues = getattr(value, "issues", [])
        reasons = [f"{i.code}: {i.message}" for i in issues if i.severity == "error"]
        return key, stage, "failed", reasons
    return key, stage, STAGE_STATUS[stage], []


def record_status(
    store: Any, context: dg.AssetExecutionContext, stage: str, key: str, value: Any
) -> None:
    """Write the stage one document just finished: its status row and a history row
    with this run's id, in one small transaction."""
    document_id, stage, status, reasons = stage_status(key, stage, value)
    store.set_status(document_id, stage, status, reasons, run_id=context.run_id)


def check_specs(asset: str, specs: Any) -> list[dg.AssetCheckSpec]:
    """Asset checks evaluated per document (partition) inside the asset's own step."""
    return [
        dg.AssetCheckSpec(
            spec.name,
            asset=asset,
            description=spec.description,
            blocking=spec.blocking,
            partitions_def=documents,
        )
        for spec in specs
    ]


def check_evaluations(
    context: dg.AssetExecutionContext, key: str, outcomes: Any, specs: Any
) -> list[dg.AssetCheckEvaluation]:
    """One asset-check evaluation per outcome, on the document's own partition.

    ``AssetCheckResult`` cannot name a partition when a run covers a batch of
    them, so the evaluations are logged as events of this step
    (:func:`materialize_documents` logs a step's evaluations as one batch). Failing
    the step for a failed blocking check would stop every document of the batch;
    instead :func:`materialize_documents` hands that one document to its ``block``
    function, which marks it failed, so its downstream stages carry it as failed
    and the other documents go on.
    """
    blocking = {spec.name: spec.blocking for spec in specs}
    return [
        dg.AssetCheckEvaluation(
            asset_key=context.assets_def.key,
            check_name=outcome.name,
            passed=outcome.passed,
            metadata={"description": outcome.description, **outcome.metadata},
            severity=dg.AssetCheckSeverity(outcome.severity),
            description=outcome.description,
            blocking=blocking.get(outcome.name, False),
            partition=key,
        )
        for outcome in outcomes
    ]


def check_outputs(context: dg.AssetExecutionContext) -> Iterator[dg.Output]:
    """The (empty) outputs Dagster expects for each declared check of the asset.

    The evaluations themselves were logged per document (:func:`check_evaluations`).
    """
    for output_name in context.assets_def.check_specs_by_output_name:
        yield dg.Output(None, output_name=output_name)


def fields_table(rows: list[tuple[str, str, float, Any]], last: tuple[str, str]) -> Any:
    """The fields of a document as a metadata table: field, value, confidence, and one more
    column (``last`` = its name and Dagster type)."""
    name, type_ = last
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({"field": f, "value": v[:200], "confidence": round(c, 3), name: x})
            for f, v, c, x in rows
        ],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("field", "string"),
                dg.TableColumn("value", "string"),
                dg.TableColumn("confidence", "float"),
                dg.TableColumn(name, type_),
            ]
        ),
    )


def issues_md(issues: list[Any]) -> str:
    if not issues:
        return "none"
    return "\n".join(
        f"- **{i.code}** ({i.severity}{', ' + i.field if i.field else ''}): {i.message}"
        for i in issues
    )


def status_metadata(value: Any) -> dict[str, Any]:
    """The ``status`` and ``issues`` metadata every stage shows for a document."""
    return {
        "status": "failed" if getattr(value, "failed", False) else "ok",
        "issues": dg.MetadataValue.md(issues_md(getattr(value, "issues", []))),
    }


def failed_blocking(outcomes: Sequence[Any], specs: Sequence[Any]) -> list[Any]:
    """The outcomes of blocking checks that failed."""
    blocking = {spec.name for spec in specs if spec.blocking}
    return [o for o in outcomes if o.name in blocking and not o.passed]


def materialize_documents(
    context: dg.AssetExecutionContext,
    stage: str,
    *,
    work: Callable[[str], T],
    failed: Callable[[str, Issue], T],
    metadata: Callable[[str, T], dict[str, Any]],
    guard: bool = True,
    before: Callable[[str], None] | None = None,
    after: Callable[[str, T], None] | None = None,
    checks: tuple[Callable[[T], Any], Sequence[Any]] | None = None,
    block: Callable[[str, T, list[Any]], T] | None = None,
    status_store: Any = None,
) -> dict[str, T]:
    """Run one stage over every document of this run: ``{document_id: value}``.

    For each document: ``before`` (reading what the work needs, outside the guard:
    its errors fail the step, so it is retried), ``work`` (through :func:`guarded`
    unless ``guard`` is off, with ``failed`` building the value of a document
    whose work raised), the asset checks (``checks`` = (outcomes of a value,
    their specs)); when a blocking check failed, ``block`` turns the value into
    a failed one, so this document does not flow on as good; then ``after``
    (bookkeeping outside the guard: its errors fail the step, so it is retried),
    the ``metadata`` of its partition. With ``status_store`` the stage the document
    reached is written to the results database as soon as it is done (one transaction
    per document). The check evaluations of every document are logged at the end of
    the step, as one batch, like the materializations Dagster logs after it.
    """
    out: dict[str, T] = {}
    evaluations: list[dg.AssetCheckEvaluation] = []
    for key in documents_of(context):
        if before is not None:
            before(key)
        if guard:
            value = guarded(
                context,
                key,
                lambda key=key: work(key),
                lambda issue, key=key: failed(key, issue),
                stage,
            )
        else:
            value = work(key)
        outcomes: list[Any] = []
        if checks is not None:
            outcomes = list(checks[0](value))
            broken = failed_blocking(outcomes, checks[1])
            if broken and block is not None:
                context.log.error(
                    f"{key}: blocking check failed: "
                    + "; ".join(f"{o.name}: {o.description}" for o in broken)
                )
                value = block(key, value, broken)
        out[key] = value
        if after is not None:
            after(key, value)
        if checks is not None:
            evaluations += check_evaluations(context, key, outcomes, checks[1])
        add_partition_metadata(context, key, metadata(key, value))
        if status_store is not None:
            record_status(status_store, context, stage, key, value)
    if evaluations:
        log_check_evaluations(context, evaluations)
    return out
