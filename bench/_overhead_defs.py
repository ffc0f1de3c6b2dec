"""The jobs ``bench/dagster_overhead.py`` times: the six assets with the processing taken out.

Two variants of the same six-asset graph (``raw`` → ``preprocessed`` →
``ocr_text`` → ``llm_fields`` → ``validated`` → ``evaluation``, with the same
upstream inputs as the real assets):

- ``noop``: the project's real assets, resources, IO manager, metadata,
  status rows, asset checks and results-database upserts, with the
  processing layer (``ingest_document``, the ``stages`` functions and the
  page thumbnail) replaced by functions that return an empty, valid value of
  the stage's contract at once. What is left is the cost per document of
  Dagster and of our glue around it.
- ``trivial``: six assets on the same ``documents`` partitions, multi-run
  backfill policy, IO manager (JSON under INVOICE_STORAGE) and per-partition
  metadata pattern, each returning ``{key: {"document_id": key}}``: Dagster's
  own cost, the shape of the anchors measured earlier.

:func:`overhead_job` is what Dagster reconstructs in each step process of the
multiprocess executor, so the no-op patch is applied there too.
"""

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

import dagster as dg

VARIANTS = ("noop", "trivial")
JOB_NAME = "invoice_job"


# ------------------------------------------------------------------- no-op


def _noop_functions() -> dict[tuple[Any, str], Any]:
    """(module, attribute) -> replacement: every call into the processing layer."""
    from invoice_pipeline.processing import stages
    from invoice_pipeline.schema import (
        Evaluation,
        ExtractedInvoice,
        Invoice,
        InvoiceRecord,
        OcrDocument,
        PreprocessedDocument,
        RawDocument,
    )

    # the package re-exports the assets under the modules' names: import the modules themselves
    raw_asset = importlib.import_module("invoice_pipeline.assets.raw")
    preprocessed_asset = importlib.import_module("invoice_pipeline.assets.preprocessed")

    def ingest(entry: Any, *args: Any, **kwargs: Any) -> RawDocument:
        return RawDocument(
            document_id=entry.document_id,
            source_file=entry.source_file,
            file_name=entry.file_name,
            sha256=entry.sha256,
            size_bytes=entry.size_bytes,
            kind="pdf",
            page_count=1,
        )

    def evaluate(invoice: Any, *args: Any, **kwargs: Any) -> Evaluation:
        record = InvoiceRecord(document_id=invoice.document_id, status="manual_review")
        return Evaluation(
            document_id=invoice.document_id,
            status="manual_review",
            quality_score=0.0,
            record=record,
        )

    return {
        (raw_asset, "ingest_document"): ingest,
        (raw_asset, "release_original"): lambda *a, **k: None,
        (preprocessed_asset, "thumbnail_png"): lambda *a, **k: None,
        (stages, "preprocess"): lambda raw, *a, **k: PreprocessedDocument(
            document_id=raw.document_id, kind=raw.kind
        ),
        (stages, "read_text"): lambda raw, *a, **k: OcrDocument(
            document_id=raw.document_id, engine="none"
        ),
        (stages, "extract"): lambda ocr, *a, **k: ExtractedInvoice(
            document_id=ocr.document_id, provider="none"
        ),
        (stages, "validate"): lambda extracted, *a, **k: Invoice(document_id=extracted.document_id),
        (stages, "evaluate"): evaluate,
    }


@contextlib.contextmanager
def noop_processing() -> Iterator[None]:
    """Replace the processing layer for the duration of the block (this process only)."""
    replacements = _noop_functions()
    saved = {(mod, name): getattr(mod, name) for mod, name in replacements}
    try:
        for (mod, name), fn in replacements.items():
            setattr(mod, name, fn)
        yield
    finally:
        for (mod, name), fn in saved.items():
            setattr(mod, name, fn)


# ----------------------------------------------------------------- trivial


def trivial_assets() -> list[dg.AssetsDefinition]:
    """Six do-nothing assets with the real assets' partitions, inputs, IO and metadata pattern."""
    from invoice_pipeline.assets.common import add_partition_metadata, document_asset, documents_of

    def emit(context: dg.AssetExecutionContext, stage: str) -> dict[str, dict[str, str]]:
        out = {}
        for key in documents_of(context):
            out[key] = {"document_id": key, "stage": stage}
            add_partition_metadata(
                context,
                key,
                {"status": "ok", "stage": stage, "issues": dg.MetadataValue.md("none")},
            )
        return out

    @document_asset(name="raw")
    def raw(context: dg.AssetExecutionContext) -> dict[str, Any]:
        return emit(context, "raw")

    @document_asset(name="preprocessed")
    def preprocessed(context: dg.AssetExecutionContext, raw: dict[str, Any]) -> dict[str, Any]:
        return emit(context, "preprocessed")

    @document_asset(name="ocr_text")
    def ocr_text(
        context: dg.AssetExecutionContext, raw: dict[str, Any], preprocessed: dict[str, Any]
    ) -> dict[str, Any]:
        return emit(context, "ocr_text")

    @document_asset(name="llm_fields")
    def llm_fields(context: dg.AssetExecutionContext, ocr_text: dict[str, Any]) -> dict[str, Any]:
        return emit(context, "llm_fields")

    @document_asset(name="validated")
    def validated(
        context: dg.AssetExecutionContext,
        llm_fields: dict[str, Any],
        ocr_text: dict[str, Any],
    ) -> dict[str, Any]:
        return emit(context, "validated")

    @document_asset(name="evaluation")
    def evaluation(
        context: dg.AssetExecutionContext,
        validated: dict[str, Any],
    ) -> dict[str, Any]:
        return emit(context, "evaluation")

    return [raw, preprocessed, ocr_text, llm_fields, validated, evaluation]


# -------------------------------------------------------------- definitions


def executor_def(name: str) -> dg.ExecutorDefinition:
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    raise ValueError(f"unknown executor {name!r}: in_process or multiprocess")


def build_definitions(variant: str, executor: str) -> dg.Definitions:
    """The definitions of one variant on one executor; resources read from the environment."""
    from invoice_pipeline.assets import DOCUMENT_ASSETS
    from invoice_pipeline.definitions import resources
    from invoice_pipeline.jobs import invoice_job

    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: one of {VARIANTS}")
    assets = DOCUMENT_ASSETS if variant == "noop" else trivial_assets()
    return dg.Definitions(
        assets=assets,
        jobs=[invoice_job],
        resources=resources(),
        executor=executor_def(executor),
    )


def overhead_job(variant: str, executor: str) -> dg.JobDefinition:
    """The job a multiprocess step process rebuilds; the no-op patch stays on in that process."""
    if variant == "noop":
        for (mod, name), fn in _noop_functions().items():
            setattr(mod, name, fn)
    return build_definitions(variant, executor).resolve_job_def(JOB_NAME)
