"""The results database: invoices, line items, document status and file duplicates.

:class:`ResultsStore` wraps a SQLAlchemy 2 engine on any URL (a SQLite file by
default, PostgreSQL through psycopg2 in production). The schema is owned by the
alembic scripts in ``migrations/`` and applied with :meth:`ResultsStore.migrate`
(idempotent, serialised by a PostgreSQL advisory lock or a SQLite write lock).
Each write is one transaction, retried with tenacity on transient errors (a
restarted server, a locked SQLite file); writes are upserts by ``document_id``,
so re-materialising a document, or retrying a write that failed half-way, never
leaves a second row. Money is ``Numeric(18, 2)``, dates are ``Date``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from invoice_pipeline.processing.results.migrations import MIGRATIONS_DIR, VERSION_TABLE
from invoice_pipeline.processing.validate.normalise import (
    format_money,
    format_price,
    format_quantity,
    invoice_number_key,
    name_key,
    normalise_vat_id,
)
from invoice_pipeline.schema import (
    RECORD_STRING_FIELDS,
    Evaluation,
    Evidence,
    Invoice,
    InvoiceRecord,
    Issue,
    RecordLineItem,
    record_date,
    record_decimal,
)

__all__ = ["STATUSES", "ResultsStore", "metadata"]

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
)
"""A document's status, as in the original service: from uploaded to the decision."""

_MIGRATION_LOCK_KEY = 0x1F0A_C3E5_0001  # pg advisory lock id for migrations
_T = TypeVar("_T")


class _Decimal(sa.types.TypeDecorator[Decimal]):
    """``Numeric(p, s)`` that round-trips exact Decimals, also on SQLite.

    PostgreSQL stores NUMERIC natively. SQLite has no decimal type: the value is
    bound as text (no float conversion in Python) and read back rounded to the
    column's scale, exact for amounts below about 10^13.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        quantised = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        return format(quantised, "f") if dialect.name == "sqlite" else quantised

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._quantum, rounding=ROUND_HALF_UP)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


metadata = sa.MetaData()
"""The schema at the head revision (the migrations create it; this mirrors it)."""

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("document_id", sa.String(255), primary_key=True),
    sa.Column("source_file", sa.Text()),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("quality_score", sa.Float(), nullable=False, server_default="0"),
    sa.Column("invoice_number", sa.String(255), index=True),
    sa.Column("invoice_date", sa.Date()),
    sa.Column("due_date", sa.Date()),
    sa.Column("currency", sa.String(3)),
    sa.Column("seller_name", sa.Text()),
    sa.Column("seller_address", sa.Text()),
    sa.Column("seller_vat_id", sa.String(64), index=True),
    sa.Column("buyer_name", sa.Text()),
    sa.Column("buyer_address", sa.Text()),
    sa.Column("buyer_vat_id", sa.String(64)),
    sa.Column("iban", sa.String(64)),
    sa.Column("purchase_order", sa.String(255)),
    sa.Column("subtotal", _Decimal(18, 2)),
    sa.Column("tax_amount", _Decimal(18, 2)),
    sa.Column("total_amount", _Decimal(18, 2)),
    sa.Column("issues", _json()),
    sa.Column("fields", _json()),
    sa.Column("extractor", sa.String(128)),
    sa.Column("ocr_engine", sa.String(128)),
    sa.Column("created_at", _timestamp(), nullable=False),
    sa.Column("updated_at", _timestamp(), nullable=False, index=True),
    sa.Column("seller_name_key", sa.String(255), index=True),
    sa.Column("invoice_number_key", sa.String(255), index=True),
    sa.Column("duplicate_of", sa.String(255)),
    sa.Column("reasons", _json()),
)
line_items = sa.Table(
    "line_items",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column(
        "document_id",
        sa.String(255),
        sa.ForeignKey("invoices.document_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("description", sa.Text()),
    sa.Column("quantity", _Decimal(20, 6)),
    sa.Column("unit_price", _Decimal(20, 6)),
    sa.Column("amount", _Decimal(18, 2)),
    sa.Column("tax_rate", _Decimal(7, 3)),
    sa.UniqueConstraint("document_id", "position", name="uq_line_items_document_position"),
)
document_status = sa.Table(
    "document_status",
    metadata,
    sa.Column("document_id", sa.String(255), primary_key=True),
    sa.Column("stage", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("reasons", _json()),
    sa.Column("created_at", _timestamp(), nullable=False),
    sa.Column("updated_at", _timestamp(), nullable=False),
)
duplicates = sa.Table(
    "duplicates",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("document_id", sa.String(255)),
    sa.Column("path", sa.String(1024), nullable=False),
    sa.Column("seen_at", _timestamp(), nullable=False),
    sa.UniqueConstraint("sha256", "path", name="uq_duplicates_sha256_path"),
)

_RECORD_COLUMNS = (*RECORD_STRING_FIELDS, "status", "quality_score")


# -------------------------------------------------------------------- conversions


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _record_row(record: InvoiceRecord) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(record, name) for name in _RECORD_COLUMNS}
    row["document_id"] = record.document_id
    row["invoice_date"] = record_date(record.invoice_date)
    row["due_date"] = record_date(record.due_date)
    for name in ("subtotal", "tax_amount", "total_amount"):
        row[name] = record_decimal(getattr(record, name))
    row["issues"] = [issue.model_dump(mode="json") for issue in record.issues]
    row["fields"] = {name: ev.model_dump(mode="json") for name, ev in record.fields.items()}
    row["reasons"] = list(record.reasons)
    row["seller_name_key"] = name_key(record.seller_name)
    row["invoice_number_key"] = invoice_number_key(record.invoice_number)
    return row


def _line_rows(record: InvoiceRecord) -> list[dict[str, Any]]:
    return [
        {
            "document_id": record.document_id,
            "position": position,
            "description": item.description,
            "quantity": record_decimal(item.quantity),
            "unit_price": record_decimal(item.unit_price),
            "amount": record_decimal(item.amount),
            "tax_rate": record_decimal(item.tax_rate),
        }
        for position, item in enumerate(record.line_items)
    ]


def _row_record(row: sa.Row[Any], items: Sequence[sa.Row[Any]]) -> InvoiceRecord:
    m = row._mapping
    return InvoiceRecord(
        document_id=m["document_id"],
        source_file=m["source_file"],
        status=m["status"],
        quality_score=float(m["quality_score"] or 0.0),
        invoice_number=m["invoice_number"],
        invoice_date=m["invoice_date"].isoformat() if m["invoice_date"] else None,
        due_date=m["due_date"].isoformat() if m["due_date"] else None,
        currency=m["currency"],
        seller_name=m["seller_name"],
        seller_address=m["seller_address"],
        seller_vat_id=m["seller_vat_id"],
        buyer_name=m["buyer_name"],
        buyer_address=m["buyer_address"],
        buyer_vat_id=m["buyer_vat_id"],
        iban=m["iban"],
        purchase_order=m["purchase_order"],
        subtotal=format_money(m["subtotal"]),
        tax_amount=format_money(m["tax_amount"]),
        total_amount=format_money(m["total_amount"]),
        line_items=[
            RecordLineItem(
                description=i.description,
                quantity=format_quantity(i.quantity),
                unit_price=format_price(i.unit_price),
                amount=format_money(i.amount),
                tax_rate=format_quantity(i.tax_rate),
            )
            for i in items
        ],
        issues=[Issue.model_validate(i) for i in m["issues"] or []],
        fields={k: Evidence.model_validate(v) for k, v in (m["fields"] or {}).items()},
        extractor=m["extractor"],
        ocr_engine=m["ocr_engine"],
        reasons=list(m["reasons"] or []),
        duplicate_of=m["duplicate_of"],
    )


# ------------------------------------------------------------------------ engine


def _is_transient(exc: BaseException) -> bool:
    """A lost connection, a restarting server or a locked SQLite file: worth a retry."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError):
        message = str(getattr(exc, "orig", exc) or exc).lower()
        permanent = ("no such table", "no such column", "syntax error", "already exists")
        return not any(p in message for p in permanent)
    return False


def _sqlite_engine(url: sa.URL) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not pysqlite, open transactions, so DDL is transactional too
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # writers take the write lock up front: no deadlock on lock upgrade
        write = conn.get_execution_options().get("invoice_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _upsert(
    conn: Connection,
    table: sa.Table,
    values: dict[str, Any],
    keys: Sequence[str],
    update: Iterable[str],
) -> None:
    update = list(update)
    dialect = conn.dialect.name
    if dialect in {"postgresql", "sqlite"}:
        if dialect == "postgresql":
            stmt = postgresql.insert(table).values(values)
        else:
            from sqlalchemy.dialects import sqlite

            stmt = sqlite.insert(table).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
        conn.execute(stmt)
        return
    where = sa.and_(*(table.c[k] == values[k] for k in keys))
    result = conn.execute(table.update().where(where).values({c: values[c] for c in update}))
    if result.rowcount == 0:
        conn.execute(table.insert().values(values))


def _insert_ignore(
    conn: Connection, table: sa.Table, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """Insert unless a row with the same ``keys`` exists; True when inserted."""
    dialect = conn.dialect.name
    if dialect in {"postgresql", "sqlite"}:
        if dialect == "postgresql":
            stmt = postgresql.insert(table).values(values)
        else:
            from sqlalchemy.dialects import sqlite

            stmt = sqlite.insert(table).values(values)
        return conn.execute(stmt.on_conflict_do_nothing(index_elements=list(keys))).rowcount == 1
    where = sa.and_(*(table.c[k] == values[k] for k in keys))
    if conn.execute(sa.select(sa.literal(1)).select_from(table).where(where)).first():
        return False
    conn.execute(table.insert().values(values))
    return True


class ResultsStore:
    """The results database behind one SQLAlchemy URL.

    ``write_attempts`` and ``write_timeout_s`` bound the retries of a write on
    transient errors (a PostgreSQL restart, a busy SQLite file).
    """

    def __init__(
        self, url: str, *, write_attempts: int = 10, write_timeout_s: float = 60.0
    ) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(parsed)
        else:
            self.engine = sa.create_engine(parsed, pool_pre_ping=True)
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
            retry=retry_if_exception(_is_transient),
            stop=stop_after_attempt(self.write_attempts) | stop_after_delay(self.write_timeout_s),
            wait=wait_exponential_jitter(initial=0.1, max=5.0, jitter=0.5),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        for attempt in retrying:
            with attempt, self._write_engine.begin() as conn:
                return work(conn)
        raise AssertionError("unreachable")  # pragma: no cover

    def _alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option(
            "sqlalchemy.url", make_url(self.url).render_as_string(False).replace("%", "%%")
        )
        return cfg

    # ------------------------------------------------------------------ schema

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to ``revision`` (alembic); a no-op when already there.

        The whole upgrade runs in one transaction under a lock (PostgreSQL
        advisory lock, SQLite write lock), so two processes starting together
        upgrade once.
        """
        cfg = self._alembic_config()

        def work(conn: Connection) -> None:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

        self._write(work)

    def current_revision(self) -> str | None:
        """The schema revision the database is at (None before the first migration)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table(VERSION_TABLE):
                return None
            return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()

    # ------------------------------------------------------------------ writes

    def upsert_evaluation(self, evaluation: Evaluation) -> None:
        """Write one document's record, line items and status in one transaction.

        The invoice row is upserted by ``document_id`` (its ``created_at`` kept),
        its line items replaced, and its status set to the decision.
        """
        record = evaluation.record.model_copy(
            update={
                "status": evaluation.status,
                "quality_score": evaluation.quality_score,
                "reasons": list(evaluation.reasons) or list(evaluation.record.reasons),
                "duplicate_of": evaluation.duplicate_of or evaluation.record.duplicate_of,
            }
        )
        row = _record_row(record)
        items = _line_rows(record)

        def work(conn: Connection) -> None:
            now = _utcnow()
            values = {**row, "created_at": now, "updated_at": now}
            update = [c for c in values if c not in {"document_id", "created_at"}]
            _upsert(conn, invoices, values, ["document_id"], update)
            conn.execute(line_items.delete().where(line_items.c.document_id == record.document_id))
            if items:
                conn.execute(line_items.insert(), items)
            self._put_status(
                conn, record.document_id, "evaluation", evaluation.status, record.reasons, now
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
    ) -> None:
        values = {
            "document_id": document_id,
            "stage": stage,
            "status": status,
            "reasons": list(reasons),
            "created_at": now,
            "updated_at": now,
        }
        _upsert(
            conn,
            document_status,
            values,
            ["document_id"],
            ["stage", "status", "reasons", "updated_at"],
        )

    def set_status(
        self, document_id: str, stage: str, status: str, reasons: Sequence[str] = ()
    ) -> None:
        """Record the stage a document reached and its status (one of :data:`STATUSES`)."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        self._write(
            lambda conn: self._put_status(conn, document_id, stage, status, reasons, _utcnow())
        )

    def set_statuses(self, rows: Iterable[tuple[str, str, str, Sequence[str]]]) -> None:
        """Record (document_id, stage, status, reasons) for many documents in one transaction."""
        rows = list(rows)
        for _doc, _stage, status, _reasons in rows:
            if status not in STATUSES:
                raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        if not rows:
            return
        now = _utcnow()

        def work(conn: Connection) -> None:
            for document_id, stage, status, reasons in rows:
                self._put_status(conn, document_id, stage, status, reasons, now)

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
            "seen_at": _aware(seen_at) or _utcnow(),
        }

        def work(conn: Connection) -> bool:
            return _insert_ignore(conn, duplicates, values, ["sha256", "path"])

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

    def _records(self, conn: Connection, query: sa.Select[Any]) -> list[InvoiceRecord]:
        rows = conn.execute(query).all()
        items = self._line_items_for(conn, [r.document_id for r in rows])
        return [_row_record(r, items[r.document_id]) for r in rows]

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
        if status is not None:
            query = query.where(invoices.c.status == status)
        if since is not None:
            query = query.where(invoices.c.updated_at >= _aware(since))
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
                own = _aware(
                    own if isinstance(own, dt.datetime) else dt.datetime.fromisoformat(own)
                )
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
                "created_at": _aware(r.created_at),
                "updated_at": _aware(r.updated_at),
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
                "seen_at": _aware(r.seen_at),
            }
            for r in rows
        ]
