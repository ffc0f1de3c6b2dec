"""The results database: invoices, line items, document status and file duplicates.

:class:`ResultsStore` wraps a SQLAlchemy 2 engine on any URL (a SQLite file by
default, PostgreSQL through psycopg2 in production; see ``engine.py``). The
schema (``tables.py``) is owned by the alembic scripts in ``migrations/`` and
applied with :meth:`ResultsStore.migrate` (idempotent, serialised by a
PostgreSQL advisory lock or a SQLite write lock). Each write is one
transaction, retried with tenacity on transient errors (a restarted server, a
locked SQLite file); writes are upserts by ``document_id`` (rows as in
``rows.py``), so re-materialising a document, or retrying a write that failed
half-way, never leaves a second row; every status write also appends a
``document_stage_history`` row (stage, status, time, run id) in the same
transaction. Reads give records, status rows, a document's stage history and
the candidates of the duplicate-invoice check.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from invoice_pipeline.processing.results.engine import (
    alembic_config,
    create_engine,
    insert_ignore,
    is_transient,
    upgrade_schema,
    upsert,
)
from invoice_pipeline.processing.results.migrations import VERSION_TABLE
from invoice_pipeline.processing.results.review_store import apply_reviews, effective_status
from invoice_pipeline.processing.results.rows import (
    aware,
    line_rows,
    record_row,
    row_record,
    utcnow,
)
from invoice_pipeline.processing.results.tables import (
    document_stage_history,
    document_status,
    duplicates,
    invoices,
    line_items,
)
from invoice_pipeline.processing.validate.ids import normalise_vat_id
from invoice_pipeline.processing.validate.text import invoice_number_key, name_key
from invoice_pipeline.schema import Evaluation, Invoice, InvoiceRecord

__all__ = ["STATUSES", "ResultsStore"]

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = (
    "uploaded",
    "preprocessing",
    "ocr",
    "extracting",
    "validating",
    "evaluating",
    "approved",
    "manual_review",
    "failed",
    "rejected",
)
"""A document's status, as in the original service: from uploaded to the decision
(``approved`` and ``rejected`` also by a reviewer, see ``review_store``)."""

_T = TypeVar("_T")


class ResultsStore:
    """The results database behind one SQLAlchemy URL.

    ``write_attempts`` and ``write_timeout_s`` bound the retries of a write on
    transient errors (a PostgreSQL restart, a busy SQLite file).
    """

    def __init__(
        self, url: str, *, write_attempts: int = 10, write_timeout_s: float = 60.0
    ) -> None:
        self.url = url
        self.engine = create_engine(url)
        self._write_engine = self.engine.execution_options(invoice_write=True)
        self.write_attempts = write_attempts
        self.write_timeout_s = write_timeout_s

    # ------------------------------------------------------------------ plumbing

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"ResultsStore({make_url(self.url).render_as_string(hide_password=True)!r})"

    def _write(self, work: Callable[[Connection], _T]) -> _T:
        """Run ``work`` in one write transaction, again from the start on a transient error."""
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.write_attempts) | stop_after_delay(self.write_timeout_s),
            wait=wait_exponential_jitter(initial=0.1, max=5.0, jitter=0.5),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        for attempt in retrying:
            with attempt, self._write_engine.begin() as conn:
                return work(conn)
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ schema

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to ``revision`` (alembic); a no-op when already there.

        The whole upgrade runs in one transaction under a lock (PostgreSQL
        advisory lock, SQLite write lock), so two processes starting together
        upgrade once.
        """
        cfg = alembic_config(self.url)
        self._write(lambda conn: upgrade_schema(conn, cfg, revision))

    def current_revision(self) -> str | None:
        """The schema revision the database is at (None before the first migration)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table(VERSION_TABLE):
                return None
            return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()

    # ------------------------------------------------------------------ writes

    def upsert_evaluation(self, evaluation: Evaluation, run_id: str | None = None) -> None:
        """Write one document's record, line items and status in one transaction.

        The invoice row is upserted by ``document_id`` (its ``created_at`` kept),
        its line items replaced, and its status set to the decision (with a
        ``document_stage_history`` row naming ``run_id``).
        """
        record = evaluation.record.model_copy(
            update={
                "status": evaluation.status,
                "quality_score": evaluation.quality_score,
                "reasons": list(evaluation.reasons) or list(evaluation.record.reasons),
                "duplicate_of": evaluation.duplicate_of or evaluation.record.duplicate_of,
            }
        )
        row = record_row(record)
        items = line_rows(record)

        def work(conn: Connection) -> None:
            now = utcnow()
            values = {**row, "created_at": now, "updated_at": now}
            update = [c for c in values if c not in {"document_id", "created_at"}]
            upsert(conn, invoices, values, ["document_id"], update)
            conn.execute(line_items.delete().where(line_items.c.document_id == record.document_id))
            if items:
                conn.execute(line_items.insert(), items)
            self._put_status(
                conn,
                record.document_id,
                "evaluation",
                evaluation.status,
                record.reasons,
                now,
                run_id,
            )

        self._write(work)

    @staticmethod
    def _put_status(
        conn: Connection,
        document_id: str,
        stage: str,
        status: str,
        reasons: Iterable[str],
        now: dt.datetime,
        run_id: str | None = None,
    ) -> None:
        """The document's latest status (upserted) and one history row, on ``conn``."""
        reasons = list(reasons)
        values = {
            "document_id": document_id,
            "stage": stage,
            "status": status,
            "reasons": reasons,
            "created_at": now,
            "updated_at": now,
        }
        upsert(
            conn,
            document_status,
            values,
            ["document_id"],
            ["stage", "status", "reasons", "updated_at"],
        )
        conn.execute(
            document_stage_history.insert().values(
                document_id=document_id,
                stage=stage,
                status=status,
                reasons=reasons,
                run_id=run_id,
                at=now,
            )
        )

    @staticmethod
    def _check_status(status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")

    def set_status(
        self,
        document_id: str,
        stage: str,
        status: str,
        reasons: Sequence[str] = (),
        run_id: str | None = None,
    ) -> None:
        """Record the stage a document reached and its status (one of :data:`STATUSES`).

        One transaction: the ``document_status`` row and a ``document_stage_history``
        row (with the time and the Dagster ``run_id``).
        """
        self._check_status(status)
        self._write(
            lambda conn: self._put_status(
                conn, document_id, stage, status, reasons, utcnow(), run_id
            )
        )

    def set_statuses(
        self, rows: Iterable[tuple[str, str, str, Sequence[str]]], run_id: str | None = None
    ) -> None:
        """Record (document_id, stage, status, reasons) for many documents in one transaction."""
        rows = list(rows)
        for _doc, _stage, status, _reasons in rows:
            self._check_status(status)
        if not rows:
            return
        now = utcnow()

        def work(conn: Connection) -> None:
            for document_id, stage, status, reasons in rows:
                self._put_status(conn, document_id, stage, status, reasons, now, run_id)

        self._write(work)

    def record_duplicate(
        self,
        sha256: str,
        document_id: str | None,
        path: str,
        seen_at: dt.datetime | None = None,
    ) -> bool:
        """Remember a file whose content was seen before; False if this file was known."""
        values = {
            "sha256": sha256,
            "document_id": document_id,
            "path": path,
            "seen_at": aware(seen_at) or utcnow(),
        }

        def work(conn: Connection) -> bool:
            return insert_ignore(conn, duplicates, values, ["sha256", "path"])

        return self._write(work)

    # ------------------------------------------------------------------ reads

    def _line_items_for(self, conn: Connection, ids: Sequence[str]) -> dict[str, list[sa.Row[Any]]]:
        result: dict[str, list[sa.Row[Any]]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            rows = conn.execute(
                sa.select(line_items)
                .where(line_items.c.document_id.in_(chunk))
                .order_by(line_items.c.document_id, line_items.c.position)
            ).all()
            for row in rows:
                result[row.document_id].append(row)
        return result

    def _records_unreviewed(self, conn: Connection, query: sa.Select[Any]) -> list[InvoiceRecord]:
        """The records of ``query``'s invoice rows as the pipeline wrote them."""
        rows = conn.execute(query).all()
        items = self._line_items_for(conn, [r.document_id for r in rows])
        return [row_record(r, items[r.document_id]) for r in rows]

    def _records(self, conn: Connection, query: sa.Select[Any]) -> list[InvoiceRecord]:
        """The records of ``query``'s invoice rows with their reviews applied (review_store)."""
        return apply_reviews(conn, self._records_unreviewed(conn, query))

    def get_record(self, document_id: str) -> InvoiceRecord | None:
        """The stored record of one document, or None."""
        with self.engine.connect() as conn:
            found = self._records(
                conn, sa.select(invoices).where(invoices.c.document_id == document_id)
            )
        return found[0] if found else None

    def records(
        self, status: str | None = None, since: dt.datetime | None = None
    ) -> list[InvoiceRecord]:
        """All records, oldest first; optionally only one status or those updated since."""
        query = sa.select(invoices).order_by(invoices.c.created_at, invoices.c.document_id)
        if status is not None:  # a reviewed document has the reviewer's status
            query = query.where(effective_status() == status)
        if since is not None:
            query = query.where(invoices.c.updated_at >= aware(since))
        with self.engine.connect() as conn:
            return self._records(conn, query)

    def review_queue(self) -> list[InvoiceRecord]:
        """The documents waiting for a person, oldest first, each with its ``reasons``."""
        return self.records(status="manual_review")

    def earlier_records(self, invoice: Invoice, exclude: str) -> list[InvoiceRecord]:
        """Candidates for the duplicate check: same seller VAT id, seller name or number.

        Only documents first seen before ``exclude`` count (by the document's
        status or invoice row creation time), so re-evaluating the first of two
        copies never flags it as the duplicate of the second. One indexed query.
        """
        conditions = []
        if invoice.seller_vat_id:
            vat = normalise_vat_id(invoice.seller_vat_id)[0]
            if vat:
                conditions.append(invoices.c.seller_vat_id == vat)
        if key := name_key(invoice.seller_name):
            conditions.append(invoices.c.seller_name_key == key)
        if key := invoice_number_key(invoice.invoice_number):
            conditions.append(invoices.c.invoice_number_key == key)
        if not conditions:
            return []
        first_seen = sa.func.coalesce(document_status.c.created_at, invoices.c.created_at)
        joined = invoices.outerjoin(
            document_status, document_status.c.document_id == invoices.c.document_id
        )
        with self.engine.connect() as conn:
            own = conn.execute(
                sa.select(
                    sa.func.coalesce(
                        sa.select(document_status.c.created_at)
                        .where(document_status.c.document_id == exclude)
                        .scalar_subquery(),
                        sa.select(invoices.c.created_at)
                        .where(invoices.c.document_id == exclude)
                        .scalar_subquery(),
                    )
                )
            ).scalar()
            query = (
                sa.select(invoices)
                .select_from(joined)
                .where(sa.or_(*conditions), invoices.c.document_id != exclude)
                .order_by(first_seen, invoices.c.document_id)
            )
            if own is not None:
                own = aware(own if isinstance(own, dt.datetime) else dt.datetime.fromisoformat(own))
                query = query.where(
                    sa.or_(
                        first_seen < own,
                        sa.and_(first_seen == own, invoices.c.document_id < exclude),
                    )
                )
            return self._records(conn, query)

    def status(self, document_id: str | None = None) -> list[dict[str, Any]]:
        """Status rows (document_id, stage, status, reasons, created_at, updated_at)."""
        query = sa.select(document_status).order_by(
            document_status.c.created_at, document_status.c.document_id
        )
        if document_id is not None:
            query = query.where(document_status.c.document_id == document_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {
                "document_id": r.document_id,
                "stage": r.stage,
                "status": r.status,
                "reasons": list(r.reasons or []),
                "created_at": aware(r.created_at),
                "updated_at": aware(r.updated_at),
            }
            for r in rows
        ]

    def history(self, document_id: str) -> list[dict[str, Any]]:
        """Every stage one document reached, oldest first: stage, status, reasons, at, run_id."""
        query = (
            sa.select(document_stage_history)
            .where(document_stage_history.c.document_id == document_id)
            .order_by(document_stage_history.c.at, document_stage_history.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {
                "document_id": r.document_id,
                "stage": r.stage,
                "status": r.status,
                "reasons": list(r.reasons or []),
                "at": aware(r.at),
                "run_id": r.run_id,
            }
            for r in rows
        ]

    def duplicates(self) -> list[dict[str, Any]]:
        """Files seen twice: sha256, the document they duplicate, path, when."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(duplicates).order_by(duplicates.c.seen_at, duplicates.c.id)
            ).all()
        return [
            {
                "sha256": r.sha256,
                "document_id": r.document_id,
                "path": r.path,
                "seen_at": aware(r.seen_at),
            }
            for r in rows
        ]
