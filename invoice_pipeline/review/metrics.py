"""``GET /metrics``: the pipeline's figures in Prometheus text format (prometheus-client).

:class:`PipelineCollector` reads them from the results database and the asset
storage at each scrape: documents by status (a reviewer's decision counts as
the status), the review queue's length and the age of its oldest document, the
seconds documents took from their first stage to their last (stage history)
and the OCR seconds of the latest documents (``ocr_text`` values, read once per
document and kept). The app counts the decisions it saved in
``invoice_review_decisions_total``. Each app has its own registry.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector
from upath import UPath

from invoice_pipeline.processing.intake.store import safe_name
from invoice_pipeline.processing.results.review_store import ReviewStore
from invoice_pipeline.processing.results.tables import invoices

__all__ = ["PipelineCollector", "registry_for"]

OCR_SAMPLE = 500
"""The OCR seconds summary covers this many of the latest documents."""


class PipelineCollector(Collector):
    """Documents, queue, run and OCR seconds, read at each scrape."""

    def __init__(self, reviews: ReviewStore, storage_root: str) -> None:
        self.reviews = reviews
        self.root = UPath(storage_root)
        self._ocr_seconds: dict[str, float | None] = {}
        self._lock = threading.Lock()

    def _ocr(self, document_id: str) -> float | None:
        with self._lock:
            if document_id in self._ocr_seconds:
                return self._ocr_seconds[document_id]
        seconds = None
        if safe_name(document_id) == document_id:
            path = self.root / "assets" / "ocr_text" / f"{document_id}.json"
            if path.exists():
                pages = json.loads(path.read_text()).get("value", {}).get("pages", [])
                seconds = sum(float(p.get("seconds") or 0.0) for p in pages)
        with self._lock:
            self._ocr_seconds[document_id] = seconds
        return seconds

    def _latest_ids(self) -> list[str]:
        query = (
            sa.select(invoices.c.document_id)
            .order_by(invoices.c.updated_at.desc())
            .limit(OCR_SAMPLE)
        )
        with self.reviews.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def collect(self) -> Iterator[Metric]:
        counts = self.reviews.counts()
        documents = GaugeMetricFamily(
            "invoice_documents", "Documents in the results database by status", labels=["status"]
        )
        for status in ("approved", "manual_review", "failed", "rejected"):
            documents.add_metric([status], counts.get(status, 0))
        for status, count in counts.items():
            if status not in {"approved", "manual_review", "failed", "rejected"}:
                documents.add_metric([status], count)
        yield documents
        yield GaugeMetricFamily(
            "invoice_review_queue_length",
            "Documents waiting in manual_review",
            value=counts.get("manual_review", 0),
        )
        oldest = self.reviews.oldest_waiting()
        age = (dt.datetime.now(dt.UTC) - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "invoice_review_queue_oldest_age_seconds",
            "Age of the oldest document waiting in manual_review",
            value=max(age, 0.0),
        )
        runs = self.reviews.run_seconds()
        yield SummaryMetricFamily(
            "invoice_run_seconds",
            "Seconds from a document's first stage to its last (latest 1000 documents)",
            count_value=len(runs),
            sum_value=sum(runs),
        )
        ocr = [s for s in (self._ocr(i) for i in self._latest_ids()) if s is not None]
        yield SummaryMetricFamily(
            "invoice_ocr_seconds",
            f"OCR seconds per document (latest {OCR_SAMPLE} documents)",
            count_value=len(ocr),
            sum_value=sum(ocr),
        )


def registry_for(reviews: ReviewStore, storage_root: str) -> tuple[CollectorRegistry, Counter]:
    """A registry with the pipeline collector and the app's decision counter."""
    registry = CollectorRegistry()
    registry.register(PipelineCollector(reviews, storage_root))
    decisions = Counter(
        "invoice_review_decisions",
        "Review decisions saved by this server",
        labelnames=["decision"],
        registry=registry,
    )
    return registry, decisions
