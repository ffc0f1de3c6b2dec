"""Every private Dagster API the project uses, in one module, for the pinned Dagster version.

Dagster offers no public API for a few things the project needs: running one
job over a range of partitions in process (the tags a multi-run backfill puts
on its runs), adding an asset backfill without a webserver (what the UI's
"Materialize" dialog does), attaching metadata to one partition of a batch
without a query that grows with the number of partitions, and subclassing the
stock instance storages (the PostgreSQL event log's pool-row initialisation needs
``ConcurrencyLimitsTable``, the SQLite event log's batched writes
``SqlEventLogStorageTable``), and writing a step's asset-check evaluations as one
batch. Those uses are here and nowhere else in
``invoice_pipeline/``; each says why. ``tests/test_dagster_compat.py`` checks
that each one still behaves as the code expects, so an upgrade of the pinned
``dagster`` (``PINNED_DAGSTER``, the version in pyproject.toml) fails there,
loudly, rather than quietly somewhere downstream.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster._core.definitions.sensor_definition import SensorExecutionData
from dagster._core.events import DagsterEvent, DagsterEventBatchMetadata, DagsterEventType
from dagster._core.execution.backfill import PartitionBackfill
from dagster._core.storage.event_log.schema import ConcurrencyLimitsTable, SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from dagster._core.utils import make_new_backfill_id
from dagster._serdes import ConfigurableClassData
from dagster._time import get_current_timestamp

PINNED_DAGSTER = "1.13.27"
"""The Dagster version this module was written and tested against (pyproject.toml pins it)."""

__all__ = [
    "INDEX_SHARD_NAME",
    "ConcurrencyLimitsTable",
    "PINNED_DAGSTER",
    "SQLITE_BUSY_TIMEOUT_SECONDS",
    "ConfigurableClassData",
    "SensorExecutionData",
    "SqlEventLogStorageTable",
    "SqliteEventLogStorage",
    "add_partition_metadata",
    "log_check_evaluations",
    "new_asset_backfill",
    "partition_range_tags",
    "uses_metadata_accumulator",
]


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """The run tags of a run over the partitions ``first``..``last``.

    ``JobDefinition.execute_in_process`` takes one ``partition_key`` only; a
    multi-run backfill launches its batch runs with these two tags, and
    ``execute_in_process`` honours them the same way.
    """
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}


def new_asset_backfill(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    *,
    asset_keys: Sequence[dg.AssetKey],
    partition_keys: Sequence[str],
    tags: Mapping[str, str],
    title: str | None = None,
    description: str | None = None,
) -> str:
    """Add an asset backfill of ``asset_keys`` over ``partition_keys`` to ``instance``; its id.

    What the UI's "Materialize" dialog does through GraphQL, without needing a
    running webserver; the daemon executes it as any other backfill.
    """
    backfill_id = make_new_backfill_id()
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=backfill_id,
        asset_graph=defs.resolve_asset_graph(),
        partition_names=list(partition_keys),
        asset_selection=list(asset_keys),
        backfill_timestamp=get_current_timestamp(),
        tags=dict(tags),
        dynamic_partitions_store=instance,
        all_partitions=False,
        title=title,
        description=description,
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill_id


def _accumulator_step(context: dg.AssetExecutionContext) -> Any:
    step = getattr(context.op_execution_context, "_step_execution_context", None)
    accumulator = getattr(step, "_metadata_accumulator", None)
    if accumulator is None or not hasattr(accumulator, "with_additional_asset_metadata"):
        return None
    return step


def uses_metadata_accumulator(context: dg.AssetExecutionContext) -> bool:
    """Whether :func:`add_partition_metadata` takes the fast path in this Dagster version."""
    return _accumulator_step(context) is not None


def add_partition_metadata(
    context: dg.AssetExecutionContext, key: str, metadata: dict[str, Any]
) -> None:
    """Materialization metadata for one partition (document) of a batch run.

    ``context.add_asset_metadata(partition_key=...)`` checks the key against every
    partition of the dynamic partitions definition, a query that grows with the
    number of documents, once per call. The keys of this run are already known,
    so the metadata goes straight to the step's accumulator; a Dagster version
    without it falls back to the public call (and the compat test fails).
    """
    step = _accumulator_step(context)
    if step is None:
        context.add_asset_metadata(metadata, partition_key=key)
        return
    step._metadata_accumulator = step._metadata_accumulator.with_additional_asset_metadata(
        asset_key=context.assets_def.key, metadata=metadata, partition_key=key
    )


def log_check_evaluations(
    context: dg.AssetExecutionContext, evaluations: Sequence[dg.AssetCheckEvaluation]
) -> None:
    """Log a step's asset-check evaluations (one per document and check) as one batch.

    ``context.log_event`` writes each evaluation on its own: three transactions each
    (the run's events, the index, the check's execution row), about seven per document.
    Dagster can hand events to the storage's ``store_event_batch`` when they carry batch
    metadata and ``DAGSTER_EVENT_BATCH_SIZE`` is set (as it does for a step's
    materializations), but ``log_event`` gives check evaluations none. Here they are the
    events ``log_event`` makes, with one batch id and the last one ending the batch; the
    project's storages (``invoice_pipeline.instance_storage``) write such a batch in one
    transaction per file. Without batch writing Dagster writes them one by one, as
    ``log_event`` would. A storage that cannot write such a batch (dagster-postgres's
    own refuses it, and Dagster would print the refusal for every step before writing
    them one by one) and a Dagster version without the step's event list get
    ``log_event`` (and the compat test fails on the latter).
    """
    op_context = context.op_execution_context
    step = getattr(op_context, "_step_execution_context", None)
    events = getattr(op_context, "_events", None)
    batched = hasattr(context.instance.event_log_storage, "store_batch")
    if step is None or not isinstance(events, list) or not batched:
        for evaluation in evaluations:
            context.log_event(evaluation)
        return
    batch_id = f"checks-{uuid.uuid4().hex}"
    last = len(evaluations) - 1
    for i, evaluation in enumerate(evaluations):
        events.append(
            DagsterEvent.from_step(
                event_type=DagsterEventType.ASSET_CHECK_EVALUATION,
                step_context=step,
                event_specific_data=evaluation,
                message=(
                    f"Asset check '{evaluation.check_name}' on "
                    f"'{evaluation.asset_key.to_user_string()}' "
                    + ("passed." if evaluation.passed else "did not pass.")
                    + (
                        ""
                        if evaluation.description is None
                        else f" Description: '{evaluation.description}'"
                    )
                ),
                batch_metadata=DagsterEventBatchMetadata(batch_id, i == last),
            )
        )
