"""The results database on SQLite and on the real PostgreSQL at 127.0.0.1:5432.

Each test session creates its own PostgreSQL database (``invoice_test_<hex>``)
and drops it at the end; each test starts from an empty schema.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from invoice_pipeline.processing.evaluate import Thresholds, evaluate
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.results.tables import metadata
from invoice_pipeline.schema import Evaluation, Evidence, Invoice, LineItem
from tests.pg_server import server_url, throwaway_database

D = Decimal
PG_SERVER = server_url()  # the running server, or a throwaway one (tests/pg_server.py)
TODAY = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    with throwaway_database("invoice_test") as name:
        yield name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'results.sqlite'}"
    url = f"{PG_SERVER}/{request.getfixturevalue('pg_database')}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def make_store(db_url: str) -> Iterator[Callable[[], ResultsStore]]:
    stores: list[ResultsStore] = []

    def factory() -> ResultsStore:
        store = ResultsStore(db_url)
        stores.append(store)
        return store

    yield factory
    for store in stores:
        store.close()


@pytest.fixture
def store(make_store: Callable[[], ResultsStore]) -> ResultsStore:
    s = make_store()
    s.migrate()
    return s


def make_invoice(document_id: str = "doc-1", **overrides: Any) -> Invoice:
    values: dict[str, Any] = {
        "document_id": document_id,
        "source_file": f"inbox/{document_id}.pdf",
        "invoice_number": "RE-2024-0815",
        "invoice_date": dt.date(2024, 4, 3),
        "due_date": dt.date(2024, 4, 17),
        "currency": "EUR",
        "seller_name": "Muster GmbH",
        "seller_address": "Hauptstr. 1\n10115 Berlin",
        "seller_vat_id": "DE136695976",
        "buyer_name": "Kunde AG",
        "iban": "DE89370400440532013000",
        "subtotal": D("1000.00"),
        "tax_amount": D("190.00"),
        "total_amount": D("1190.00"),
        "language": "de",
        "line_items": [
            LineItem(
                description="Beratung",
                quantity=D("8"),
                unit_price=D("100.00"),
                amount=D("800.00"),
                tax_rate=D("19"),
            ),
            LineItem(
                description="Strom",
                quantity=D("1000"),
                unit_price=D("0.2"),
                amount=D("200.00"),
                tax_rate=D("19"),
            ),
        ],
    }
    values.update(overrides)
    values["evidence"] = {
        name: Evidence(
            confidence=0.95, page=1, box=(1.0, 2.0, 3.0, 4.0), line_ids=["p1-l3"], text="x"
        )
        for name in ("invoice_number", "invoice_date", "total_amount", "currency", "seller_name")
    }
    return Invoice(**values)


def evaluate_into(store: ResultsStore, invoice: Invoice) -> Evaluation:
    """What the evaluation asset does: compare with earlier records, decide, store."""
    earlier = store.earlier_records(invoice, exclude=invoice.document_id)
    ev = evaluate(
        invoice,
        ocr_confidence=0.97,
        earlier=earlier,
        today=TODAY,
        thresholds=Thresholds(approve_min_score=0.8),
    )
    store.upsert_evaluation(ev)
    return ev


def count(store: ResultsStore, table: str, document_id: str | None = None) -> int:
    query = f"SELECT COUNT(*) FROM {table}"
    params = {}
    if document_id is not None:
        query += " WHERE document_id = :d"
        params["d"] = document_id
    with store.engine.connect() as conn:
        return conn.execute(sa.text(query), params).scalar_one()


# --------------------------------------------------------------------------- tests


def test_migrate_twice_is_a_no_op(make_store: Callable[[], ResultsStore]) -> None:
    store = make_store()
    assert store.current_revision() is None
    store.migrate()
    store.set_status("doc-1", "raw", "uploaded")
    store.migrate()
    assert store.current_revision() == "0005"
    assert [s["status"] for s in store.status()] == ["uploaded"]


def test_migrated_schema_matches_the_models(store: ResultsStore) -> None:
    inspector = sa.inspect(store.engine)
    for table in metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
    if store.engine.dialect.name == "postgresql":
        money = {c["name"]: c["type"] for c in inspector.get_columns("invoices")}
        assert isinstance(money["total_amount"], sa.Numeric)
        assert (money["total_amount"].precision, money["total_amount"].scale) == (18, 2)
        assert isinstance(money["invoice_date"], sa.Date)


def test_concurrent_migrations(make_store: Callable[[], ResultsStore]) -> None:
    stores = [make_store(), make_store()]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def migrate(s: ResultsStore) -> None:
        try:
            barrier.wait()
            s.migrate()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].current_revision() == "0005"


def test_upsert_is_idempotent(store: ResultsStore) -> None:
    ev = evaluate_into(store, make_invoice())
    store.upsert_evaluation(ev)
    store.upsert_evaluation(ev)
    assert count(store, "invoices") == 1
    assert count(store, "line_items") == 2
    assert count(store, "document_status") == 1
    record = store.get_record("doc-1")
    assert record == ev.record
    assert record.total_amount == "1190.00" and record.line_items[1].unit_price == "0.20"
    # re-materialised with one line item less: replaced, not appended
    changed = make_invoice(
        line_items=[LineItem(description="Pauschale", amount=D("1000.00"))], source_file="b.pdf"
    )
    evaluate_into(store, changed)
    assert count(store, "invoices") == 1 and count(store, "line_items") == 1
    again = store.get_record("doc-1")
    assert again.source_file == "b.pdf" and again.line_items[0].description == "Pauschale"


def test_money_and_dates_are_exact(store: ResultsStore) -> None:
    big = make_invoice(
        subtotal=D("1234567890.10"),
        tax_amount=D("234567890.00"),
        total_amount=D("1469135780.10"),
        line_items=[],
    )
    ev = evaluate(big, ocr_confidence=None, today=TODAY)
    store.upsert_evaluation(ev)
    record = store.get_record("doc-1")
    assert (record.subtotal, record.tax_amount, record.total_amount) == (
        "1234567890.10",
        "234567890.00",
        "1469135780.10",
    )
    assert (record.invoice_date, record.due_date) == ("2024-04-03", "2024-04-17")
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT invoice_date FROM invoices")).one()
    assert str(row[0]) == "2024-04-03"


def test_status_through_the_stages(store: ResultsStore) -> None:
    for stage, status in [
        ("raw", "uploaded"),
        ("preprocessed", "preprocessing"),
        ("ocr_text", "ocr"),
    ]:
        store.set_status("doc-1", stage, status)
    [row] = store.status("doc-1")
    assert (row["stage"], row["status"]) == ("ocr_text", "ocr")
    assert row["created_at"] <= row["updated_at"]
    assert row["created_at"].tzinfo is not None
    store.set_status("doc-2", "raw", "failed", reasons=["unsupported file type"])
    assert store.status("doc-2")[0]["reasons"] == ["unsupported file type"]
    assert [r["document_id"] for r in store.status()] == ["doc-1", "doc-2"]
    with pytest.raises(ValueError, match="status must be one of"):
        store.set_status("doc-1", "raw", "done")


def test_duplicates_across_documents(store: ResultsStore) -> None:
    first = evaluate_into(store, make_invoice("doc-a"))
    assert first.status == "approved" and first.duplicate_of is None
    copy = evaluate_into(
        store, make_invoice("doc-b", seller_vat_id=None, seller_name="MUSTER GMBH")
    )
    assert copy.status == "manual_review" and copy.duplicate_of == "doc-a"
    same_amount = evaluate_into(store, make_invoice("doc-c", invoice_number="RE-2024-0999"))
    assert same_amount.duplicate_of == "doc-a"
    other_seller = evaluate_into(
        store,
        make_invoice("doc-d", seller_vat_id="FR40303265045", seller_name="Autre SARL", iban=None),
    )
    assert other_seller.duplicate_of is None
    # re-evaluating the first copy does not make it a duplicate of the later ones
    again = evaluate_into(store, make_invoice("doc-a"))
    assert again.status == "approved" and again.duplicate_of is None
    assert store.get_record("doc-b").duplicate_of == "doc-a"
    # candidates: same seller VAT id or name, or same invoice number (doc-d), oldest first
    candidates = store.earlier_records(make_invoice("doc-z"), exclude="doc-z")
    assert [r.document_id for r in candidates] == ["doc-a", "doc-b", "doc-c", "doc-d"]
    unrelated = make_invoice("doc-z", seller_vat_id=None, seller_name="Nobody", invoice_number="9")
    assert store.earlier_records(unrelated, exclude="doc-z") == []


def test_review_queue_lists_reasons(store: ResultsStore) -> None:
    evaluate_into(store, make_invoice("doc-ok"))
    evaluate_into(store, make_invoice("doc-bad", invoice_number="X-1", total_amount=D("1190.50")))
    evaluate_into(
        store, make_invoice("doc-old", invoice_number="X-2", due_date=dt.date(2024, 1, 1))
    )
    queue = store.review_queue()
    assert [r.document_id for r in queue] == ["doc-bad", "doc-old"]
    assert any("but total is 1190.50" in reason for reason in queue[0].reasons)
    assert any("is before invoice date" in reason for reason in queue[1].reasons)
    assert [r.document_id for r in store.records(status="approved")] == ["doc-ok"]
    assert store.status("doc-bad")[0]["status"] == "manual_review"
    assert store.status("doc-bad")[0]["reasons"] == queue[0].reasons


def test_records_since(store: ResultsStore) -> None:
    evaluate_into(store, make_invoice("doc-1"))
    cut = dt.datetime.now(dt.UTC)
    evaluate_into(store, make_invoice("doc-2", invoice_number="2"))
    assert [r.document_id for r in store.records(since=cut)] == ["doc-2"]
    naive_cut = cut.replace(tzinfo=None)  # naive means UTC
    assert [r.document_id for r in store.records(since=naive_cut)] == ["doc-2"]
    assert len(store.records()) == 2 and store.get_record("nope") is None


def test_file_duplicates(store: ResultsStore) -> None:
    seen = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    assert store.record_duplicate("ab" * 32, "doc-1", "inbox/copy.pdf", seen_at=seen) is True
    assert store.record_duplicate("ab" * 32, "doc-1", "inbox/copy.pdf") is False
    assert store.record_duplicate("ab" * 32, "doc-1", "inbox/copy2.pdf") is True
    rows = store.duplicates()
    assert [r["path"] for r in rows] == ["inbox/copy.pdf", "inbox/copy2.pdf"]
    assert rows[0]["seen_at"] == seen and rows[0]["document_id"] == "doc-1"


def test_upgrade_keeps_existing_data(make_store: Callable[[], ResultsStore]) -> None:
    store = make_store()
    store.migrate("0001")
    assert store.current_revision() == "0001"
    now = dt.datetime(2024, 4, 3, 9, 0, tzinfo=dt.UTC)
    old_invoices = sa.table(
        "invoices",
        *(
            sa.column(name, type_)
            for name, type_ in [
                ("document_id", sa.String()),
                ("status", sa.String()),
                ("quality_score", sa.Float()),
                ("invoice_number", sa.String()),
                ("invoice_date", sa.Date()),
                ("seller_name", sa.Text()),
                ("total_amount", metadata.tables["invoices"].c.total_amount.type),
                ("issues", sa.JSON()),
                ("fields", sa.JSON()),
                ("created_at", sa.DateTime(timezone=True)),
                ("updated_at", sa.DateTime(timezone=True)),
            ]
        ),
    )
    with store.engine.begin() as conn:
        conn.execute(
            old_invoices.insert().values(
                document_id="doc-old",
                status="manual_review",
                quality_score=0.5,
                invoice_number="RE-2024-0815",
                invoice_date=dt.date(2024, 4, 3),
                seller_name="Muster GmbH",
                total_amount=D("1190.00"),
                issues=[{"code": "x", "message": "y"}],
                fields={},
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO line_items (document_id, position, description) "
                "VALUES ('doc-old', 0, 'kept')"
            )
        )
    store.migrate()
    assert store.current_revision() == "0005"
    record = store.get_record("doc-old")
    assert record is not None
    assert (record.invoice_number, record.total_amount, record.invoice_date) == (
        "RE-2024-0815",
        "1190.00",
        "2024-04-03",
    )
    assert record.line_items[0].description == "kept"
    assert record.issues[0].code == "x" and record.reasons == []
    # the match keys were filled for the old row: a new copy is found as its duplicate
    ev = evaluate_into(store, make_invoice("doc-new", seller_vat_id=None))
    assert ev.duplicate_of == "doc-old"


@pytest.mark.postgres
def test_write_survives_a_lost_postgres_connection(pg_database: str) -> None:
    url = f"{PG_SERVER}/{pg_database}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    store = ResultsStore(url)
    try:
        store.migrate()
        killed: list[int] = []

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def kill_mid_transaction(conn, cursor, statement, params, context, executemany):
            # the invoice row is written; the server drops the connection before the line items
            if not killed and statement.lstrip().upper().startswith("DELETE FROM LINE_ITEMS"):
                pid = conn.connection.dbapi_connection.get_backend_pid()
                with engine.connect() as admin:
                    admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                killed.append(pid)

        ev = evaluate(make_invoice(), ocr_confidence=0.97, today=TODAY)
        store.upsert_evaluation(ev)
        assert killed, "the connection was not interrupted"
        assert count(store, "invoices") == 1
        assert count(store, "line_items") == 2
        assert store.get_record("doc-1") == ev.record
    finally:
        store.close()
        engine.dispose()
