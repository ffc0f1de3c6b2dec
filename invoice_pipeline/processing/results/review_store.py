"""What the review page reads from and writes to the results database.

A person's decision on a document is kept apart from what the pipeline
extracted: ``invoice_reviews`` holds one row per reviewed document (the
decision, the corrected values, the overridden checks and a ``version``
counter) and ``review_audit`` one row per corrected field, overridden check and
decision. :func:`apply_reviews` lays a review over the extracted record, so
every reader of :class:`~invoice_pipeline.processing.results.store.ResultsStore`
(the CLI's ``status`` and ``export``, the ``invoices`` Parquet table) sees the
reviewed values and status, while :meth:`ReviewStore.document` also returns the
record as extracted. :class:`ReviewStore` lists the queue a page at a time
(filtered by reason and seller, by the index on status and age), saves a
decision with optimistic concurrency (:class:`StaleVersion` when the version
the reviewer saw is no longer the current one) and gives the figures of
``/metrics``. Nothing here imports Dagster.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from invoice_pipeline.processing.results.engine import upsert
from invoice_pipeline.processing.results.rows import aware, utcnow
from invoice_pipeline.processing.results.tables import (
    document_stage_history,
    document_status,
    invoice_reviews,
    invoices,
    review_audit,
)
from invoice_pipeline.schema import InvoiceRecord, Issue, RecordLineItem

if TYPE_CHECKING:
    from invoice_pipeline.processing.results.store import ResultsStore

__all__ = [
    "AuditEntry",
    "Override",
    "Review",
    "ReviewStore",
    "ReviewedDocument",
    "StaleVersion",
    "UnknownDocument",
    "apply_reviews",
    "effective_status",
]

Decision = Literal["approved", "rejected"]


class Override(BaseModel):
    """A check the reviewer overrode: its name, the field it concerns and what it said."""

    check: str
    field: str | None = None
    message: str = ""


class Review(BaseModel):
    """The current review of one document (a row of ``invoice_reviews``)."""

    document_id: str
    version: int
    status: Decision
    reviewer: str
    comment: str | None = None
    corrections: dict[str, str | None] = Field(default_factory=dict)
    overrides: list[Override] = Field(default_factory=list)
    reviewed_at: dt.datetime


class AuditEntry(BaseModel):
    """One line of the audit trail: a correction, an override or a decision."""

    id: int
    document_id: str
    version: int
    reviewer: str
    at: dt.datetime
    action: Literal["correct", "override", "approve", "reject"]
    field: str | None = None
    value_before: str | None = None
    value_after: str | None = None
    check_name: str | None = None
    comment: str | None = None


class ReviewedDocument(BaseModel):
    """A document as the review page shows it: the record with and without the review."""

    record: InvoiceRecord
    """The record as every reader sees it: corrections and decision applied."""
    extracted: InvoiceRecord
    """The record as the pipeline wrote it (never overwritten by a review)."""
    version: int
    review: Review | None = None
    audit: list[AuditEntry] = Field(default_factory=list)


class StaleVersion(Exception):
    """The version a reviewer saw is not the document's current one (HTTP 409)."""

    def __init__(self, document_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"document {document_id} is at version {current}, not {expected}: "
            "someone else reviewed it meanwhile; reload it"
        )
        self.current = current


class UnknownDocument(KeyError):
    """No record with this document id (HTTP 404)."""


def effective_status() -> sa.ColumnElement[str]:
    """A document's status in SQL: the reviewer's decision, else the pipeline's."""
    reviewed = (
        sa.select(invoice_reviews.c.status)
        .where(invoice_reviews.c.document_id == invoices.c.document_id)
        .scalar_subquery()
    )
    return sa.func.coalesce(reviewed, invoices.c.status)


def _review(row: sa.Row[Any]) -> Review:
    return Review(
        document_id=row.document_id,
        version=row.version,
        status=row.status,
        reviewer=row.reviewer,
        comment=row.comment,
        corrections=dict(row.corrections or {}),
        overrides=[Override.model_validate(o) for o in row.overrides or []],
        reviewed_at=aware(row.reviewed_at),
    )


ITEMS = "line_items"
"""The correction that replaces every line item: the items as canonical JSON text."""


def items_text(items: Sequence[RecordLineItem]) -> str:
    """Line items as the canonical JSON text a correction stores (and the audit trail shows)."""
    return json.dumps(
        [i.model_dump(mode="json", exclude_none=True) for i in items],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def corrected_value(record: InvoiceRecord, name: str) -> str | None:
    """The record's value of ``name`` in the form a correction stores it."""
    if name == ITEMS:
        return items_text(record.line_items)
    value = getattr(record, name)
    return None if value is None else str(value)


def with_corrections(record: InvoiceRecord, corrections: Mapping[str, str | None]) -> InvoiceRecord:
    """``record`` with corrected values (line items from their JSON text)."""
    update: dict[str, Any] = dict(corrections)
    if ITEMS in update:
        text = update[ITEMS]
        update[ITEMS] = [RecordLineItem.model_validate(i) for i in json.loads(text or "[]")]
    return record.model_copy(update=update)


def reviewed_record(record: InvoiceRecord, review: Review) -> InvoiceRecord:
    """``record`` with the review's corrected values, status and notes laid over it."""
    update: dict[str, Any] = {}
    fields = dict(record.fields)
    for name in review.corrections:
        if name in fields:  # a person confirmed the value read at this place
            fields[name] = fields[name].model_copy(update={"confidence": 1.0})
    when = review.reviewed_at.strftime("%Y-%m-%d %H:%M UTC")
    note = f"{review.status} by review ({review.reviewer}, {when})"
    if review.comment:
        note += f": {review.comment}"
    issues = [
        *record.issues,
        *(
            Issue(
                code="review_override",
                field=o.field,
                severity="warning",
                stage="review",
                message=f"{review.reviewer} overrode {o.check}: {o.message}",
            )
            for o in review.overrides
        ),
        Issue(code=f"review_{review.status}", severity="info", stage="review", message=note),
    ]
    update.update(
        status=review.status,
        fields=fields,
        issues=issues,
        reasons=[] if review.status == "approved" else [note],
    )
    return with_corrections(record, review.corrections).model_copy(update=update)


def _reviews_for(conn: Connection, ids: Sequence[str]) -> dict[str, Review]:
    found: dict[str, Review] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        rows = conn.execute(
            sa.select(invoice_reviews).where(invoice_reviews.c.document_id.in_(chunk))
        ).all()
        found.update((row.document_id, _review(row)) for row in rows)
    return found


def apply_reviews(conn: Connection, records: list[InvoiceRecord]) -> list[InvoiceRecord]:
    """The records with their reviews applied (one query per 500 records)."""
    if not records:
        return records
    reviews = _reviews_for(conn, [r.document_id for r in records])
    if not reviews:
        return records
    return [
        reviewed_record(r, reviews[r.document_id]) if r.document_id in reviews else r
        for r in records
    ]


def _text(value: str | None) -> str | None:
    return None if value is None else str(value)


class ReviewStore:
    """The review page's reads and writes on one :class:`ResultsStore`."""

    def __init__(self, results: ResultsStore) -> None:
        self.results = results
        self.engine = results.engine

    # ------------------------------------------------------------------ reads

    @staticmethod
    def _filters(
        status: str, reason: str | None, seller: str | None
    ) -> list[sa.ColumnElement[bool]]:
        conditions = [effective_status() == status]
        if reason:
            escaped = reason.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            text = sa.cast(invoices.c.reasons, sa.Text)
            conditions.append(text.ilike(f"%{escaped}%", escape="\\"))
        if seller:
            escaped = seller.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(invoices.c.seller_name.ilike(f"%{escaped}%", escape="\\"))
        return conditions

    def queue(
        self,
        status: str = "manual_review",
        *,
        limit: int = 50,
        offset: int = 0,
        reason: str | None = None,
        seller: str | None = None,
    ) -> tuple[int, list[InvoiceRecord]]:
        """(documents matching, one page of their records), oldest first.

        ``status`` is the effective status (a reviewed document leaves
        ``manual_review``); ``reason`` and ``seller`` match a part of a reason
        or of the seller name, case-insensitively.
        """
        conditions = self._filters(status, reason, seller)
        query = (
            sa.select(invoices)
            .where(*conditions)
            .order_by(invoices.c.created_at, invoices.c.document_id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(invoices).where(*conditions)
            ).scalar_one()
            page = self.results._records(conn, query)
        return total, page

    def neighbours(self, document_id: str, status: str = "manual_review") -> str | None:
        """The next document of the queue after ``document_id`` (None at its end)."""
        with self.engine.connect() as conn:
            own = conn.execute(
                sa.select(invoices.c.created_at).where(invoices.c.document_id == document_id)
            ).scalar()
            query = sa.select(invoices.c.document_id).where(
                effective_status() == status, invoices.c.document_id != document_id
            )
            if own is not None:
                query = query.where(
                    sa.or_(
                        invoices.c.created_at > own,
                        sa.and_(invoices.c.created_at == own, invoices.c.document_id > document_id),
                    )
                )
            query = query.order_by(invoices.c.created_at, invoices.c.document_id).limit(1)
            return conn.execute(query).scalar()

    def document(self, document_id: str) -> ReviewedDocument | None:
        """A document with and without its review, its version and audit trail; None if unknown."""
        with self.engine.connect() as conn:
            found = self.results._records_unreviewed(
                conn, sa.select(invoices).where(invoices.c.document_id == document_id)
            )
            if not found:
                return None
            extracted = found[0]
            row = conn.execute(
                sa.select(invoice_reviews).where(invoice_reviews.c.document_id == document_id)
            ).first()
            audit = conn.execute(
                sa.select(review_audit)
                .where(review_audit.c.document_id == document_id)
                .order_by(review_audit.c.id)
            ).all()
        review = _review(row) if row is not None else None
        return ReviewedDocument(
            record=reviewed_record(extracted, review) if review else extracted,
            extracted=extracted,
            version=review.version if review else 0,
            review=review,
            audit=[AuditEntry.model_validate({**a._mapping, "at": aware(a.at)}) for a in audit],
        )

    def counts(self) -> dict[str, int]:
        """Documents by effective status."""
        status = effective_status().label("status")
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(status, sa.func.count()).select_from(invoices).group_by(status)
            ).all()
        return {r[0]: r[1] for r in rows}

    def oldest_waiting(self, status: str = "manual_review") -> dt.datetime | None:
        """When the oldest document still waiting in ``status`` was first written."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(invoices.c.created_at)).where(effective_status() == status)
            ).scalar()
        if isinstance(value, str):  # SQLite's MIN() over timestamps gives text
            value = dt.datetime.fromisoformat(value)
        return aware(value)

    def run_seconds(self, limit: int = 1000) -> list[float]:
        """Seconds from the first to the last stage of the latest documents (stage history)."""
        h = document_stage_history
        query = (
            sa.select(sa.func.min(h.c.at), sa.func.max(h.c.at))
            .group_by(h.c.document_id)
            .order_by(sa.func.max(h.c.at).desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        seconds = []
        for first, last in rows:
            if isinstance(first, str):
                first, last = dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
            seconds.append((aware(last) - aware(first)).total_seconds())
        return seconds

    # ------------------------------------------------------------------ writes

    def save(
        self,
        document_id: str,
        *,
        decision: Decision,
        reviewer: str,
        expected_version: int,
        corrections: Mapping[str, str | None],
        overrides: Sequence[Override] = (),
        comment: str | None = None,
    ) -> ReviewedDocument:
        """Save a decision with its corrections in one transaction; the document after it.

        ``corrections`` are normalised values in the record's form, only those
        that differ from the values the reviewer saw. Raises
        :class:`UnknownDocument` and :class:`StaleVersion` (nothing written).
        The document's status row becomes stage ``review`` with the decision,
        and the stage history gets a row.
        """

        def work(conn: Connection) -> None:
            # two reviewers of one document queue here: the row lock on PostgreSQL, the
            # write lock taken at BEGIN IMMEDIATE on SQLite; the second then sees version + 1
            conn.execute(
                sa.select(invoices.c.document_id)
                .where(invoices.c.document_id == document_id)
                .with_for_update()
            )
            found = self.results._records_unreviewed(
                conn, sa.select(invoices).where(invoices.c.document_id == document_id)
            )
            if not found:
                raise UnknownDocument(document_id)
            extracted = found[0]
            row = conn.execute(
                sa.select(invoice_reviews).where(invoice_reviews.c.document_id == document_id)
            ).first()
            previous = _review(row) if row is not None else None
            current = previous.version if previous else 0
            if current != expected_version:
                raise StaleVersion(document_id, expected_version, current)
            seen = reviewed_record(extracted, previous) if previous else extracted
            merged = dict(previous.corrections) if previous else {}
            now = utcnow()
            version = current + 1
            audit_rows: list[dict[str, Any]] = []
            base = {"document_id": document_id, "version": version, "reviewer": reviewer}
            for name, value in corrections.items():
                before = corrected_value(seen, name)
                if value == before:
                    continue
                if value == corrected_value(extracted, name):
                    merged.pop(name, None)  # back to the extracted value
                else:
                    merged[name] = value
                audit_rows.append(
                    {
                        **base,
                        "at": now,
                        "action": "correct",
                        "field": name,
                        "value_before": _text(before),
                        "value_after": _text(value),
                    }
                )
            for override in overrides:
                audit_rows.append(
                    {
                        **base,
                        "at": now,
                        "action": "override",
                        "field": override.field,
                        "check_name": override.check,
                        "comment": override.message,
                    }
                )
            audit_rows.append(
                {
                    **base,
                    "at": now,
                    "action": "approve" if decision == "approved" else "reject",
                    "value_before": seen.status,
                    "value_after": decision,
                    "comment": comment,
                }
            )
            values = {
                "document_id": document_id,
                "version": version,
                "status": decision,
                "reviewer": reviewer,
                "comment": comment,
                "corrections": merged,
                "overrides": [o.model_dump() for o in overrides],
                "reviewed_at": now,
            }
            upsert(conn, invoice_reviews, values, ["document_id"], list(values)[1:])
            columns = [c.name for c in review_audit.columns if c.name != "id"]
            rows = [{c: row.get(c) for c in columns} for row in audit_rows]
            conn.execute(review_audit.insert(), rows)  # one statement, the same keys in each
            reasons = [] if decision == "approved" else [f"rejected by {reviewer}: {comment or ''}"]
            status_row = {
                "document_id": document_id,
                "stage": "review",
                "status": decision,
                "reasons": reasons,
                "created_at": now,
                "updated_at": now,
            }
            upsert(
                conn,
                document_status,
                status_row,
                ["document_id"],
                ["stage", "status", "reasons", "updated_at"],
            )
            conn.execute(
                document_stage_history.insert().values(
                    document_id=document_id,
                    stage="review",
                    status=decision,
                    reasons=reasons,
                    run_id=None,
                    at=now,
                )
            )

        self.results._write(work)
        document = self.document(document_id)
        assert document is not None
        return document
