"""One field list: :class:`InvoiceRecord` defines the record, and every copy follows it.

The row mapping and the Arrow schema are derived from the model's annotations;
the SQL tables and the alembic migrations are written out and checked here, as
is :func:`to_record`. A field added to (or removed from) ``InvoiceRecord``
fails these tests until the table, a migration, the fixtures below and
``to_record`` follow it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa

from invoice_pipeline.processing.evaluate.record import to_record
from invoice_pipeline.processing.results.columns import (
    LINE_ITEM_COLUMNS,
    RECORD_COLUMNS,
    Column,
    columns_of,
)
from invoice_pipeline.processing.results.parquet import INVOICE_SCHEMA, records_to_arrow
from invoice_pipeline.processing.results.rows import CHILD_TABLE_FIELDS, line_rows, record_row
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.results.tables import ExactDecimal, metadata
from invoice_pipeline.schema import (
    DATE_FIELDS,
    MONEY_FIELDS,
    TEXT_FIELDS,
    Check,
    Evaluation,
    Evidence,
    Invoice,
    InvoiceRecord,
    Issue,
    LineItem,
    RecordLineItem,
    VatBreakdown,
)

D = Decimal

BOOKKEEPING = {
    "invoices": {"created_at", "updated_at", "seller_name_key", "invoice_number_key"},
    "line_items": {"id", "document_id", "position"},
}
"""Columns of a table that are no field of the record."""

FIELDS: dict[str, dict[str, Column]] = {
    "invoices": {c.name: c for c in RECORD_COLUMNS if c.name not in CHILD_TABLE_FIELDS},
    "line_items": {c.name: c for c in LINE_ITEM_COLUMNS},
}
"""The columns each table must have for the record's fields."""


def full_record() -> InvoiceRecord:
    """A record with every field set (in the form the database writes it back)."""
    return InvoiceRecord(
        document_id="doc-1",
        source_file="inbox/a.pdf",
        status="manual_review",
        quality_score=0.73,
        invoice_number="RE-1",
        invoice_date="2024-04-03",
        due_date="2024-04-17",
        currency="EUR",
        seller_name="Muster GmbH",
        seller_address="Hauptstr. 1\n10115 Berlin",
        seller_vat_id="DE136695976",
        buyer_name="Kunde AG",
        buyer_address="Weg 2\n80331 München",
        buyer_vat_id="DE129273398",
        iban="DE89370400440532013000",
        purchase_order="PO-7",
        subtotal="354.73",
        tax_amount="67.40",
        total_amount="422.13",
        line_items=[
            RecordLineItem(
                description="Strom",
                quantity="1234.5",
                unit_price="0.28735",
                amount="354.73",
                tax_rate="19",
            )
        ],
        issues=[Issue(code="date_ambiguous", field="invoice_date", message="m", stage="validated")],
        fields={
            "total_amount": Evidence(
                confidence=0.9,
                page=1,
                box=(1.0, 2.0, 3.0, 4.0),
                line_ids=["p1-l3"],
                text="x",
                score=0.8,
                source="vendor_profile:vat:DE123456789@v2",
            ),
        },
        extractor="rules",
        ocr_engine="rapidocr",
        reasons=["total cannot be cross-checked"],
        duplicate_of="doc-0",
    )


def full_invoice() -> Invoice:
    """An invoice with every field set."""
    return Invoice(
        document_id="doc-1",
        source_file="inbox/a.pdf",
        invoice_number="RE-1",
        invoice_date=dt.date(2024, 4, 3),
        due_date=dt.date(2024, 4, 17),
        currency="EUR",
        seller_name="Muster GmbH",
        seller_address="Hauptstr. 1\n10115 Berlin",
        seller_vat_id="DE136695976",
        buyer_name="Kunde AG",
        buyer_address="Weg 2\n80331 München",
        buyer_vat_id="DE129273398",
        iban="DE89370400440532013000",
        purchase_order="PO-7",
        subtotal=D("1000.00"),
        tax_amount=D("190.00"),
        total_amount=D("1190.00"),
        tax_rate=D("19"),
        language="de",
        line_items=[
            LineItem(
                description="Beratung",
                quantity=D("10"),
                unit_price=D("100.00"),
                amount=D("1000.00"),
                tax_rate=D("19"),
            )
        ],
        evidence={"total_amount": Evidence(confidence=0.95, page=1, text="1.190,00")},
        derived=["subtotal"],
        extractor="rules",
        ocr_engine="rapidocr",
        ocr_confidence=0.97,
        printed_rates=[D("19")],
        vat_breakdown=[VatBreakdown(rate=D("19"), basis=D("1000.00"), tax=D("190.00"))],
        allowance_total=D("0.00"),
        charge_total=D("0.00"),
        prepaid_amount=D("0.00"),
        seller_evidence=["letterhead"],
        issues=[Issue(code="x", message="y", stage="validated")],
        failed=False,
    )


def _is_set(value: object, default: object) -> bool:
    return value is not None and value != default


def test_the_fixtures_set_every_field() -> None:
    record = full_record()
    assert record.model_fields_set == set(InvoiceRecord.model_fields)
    for model, value in [
        (RecordLineItem, record.line_items[0]),
        (Evidence, record.fields["total_amount"]),
    ]:
        assert value.model_fields_set == set(model.model_fields), model.__name__
    invoice = full_invoice()
    assert invoice.model_fields_set == set(Invoice.model_fields)
    assert invoice.line_items[0].model_fields_set == set(LineItem.model_fields)


def test_schema_field_lists_follow_the_record() -> None:
    assert DATE_FIELDS == tuple(c.name for c in RECORD_COLUMNS if c.kind == "date")
    money = tuple(c.name for c in RECORD_COLUMNS if c.decimal and c.decimal.style == "money")
    assert MONEY_FIELDS == money
    assert set(TEXT_FIELDS) <= set(InvoiceRecord.model_fields) & set(Invoice.model_fields)


# ------------------------------------------------------------------------ SQL


@pytest.mark.parametrize("table", ["invoices", "line_items"])
def test_sql_table_has_a_column_per_field(table: str) -> None:
    names = {c.name for c in metadata.tables[table].columns}
    assert names - BOOKKEEPING[table] == set(FIELDS[table])
    assert BOOKKEEPING[table] <= names


def _sql_type_fits(column: Column, type_: sa.types.TypeEngine) -> bool:
    if column.kind == "decimal":
        assert column.decimal is not None
        numeric = type_.impl_instance if isinstance(type_, ExactDecimal) else type_
        return isinstance(numeric, sa.Numeric) and (numeric.precision, numeric.scale) == (
            column.decimal.precision,
            column.decimal.scale,
        )
    expected = {
        "date": sa.Date,
        "text": sa.String,
        "float": sa.Float,
        "int": sa.Integer,
        "strings": sa.JSON,
        "models": sa.JSON,
        "model_map": sa.JSON,
    }[column.kind]
    return isinstance(type_, expected)


@pytest.mark.parametrize("table", ["invoices", "line_items"])
def test_sql_column_types_follow_the_annotations(table: str) -> None:
    for name, column in FIELDS[table].items():
        sql = metadata.tables[table].c[name]
        assert _sql_type_fits(column, sql.type), (table, name, sql.type)
        assert sql.nullable == (not column.required), (table, name)
    assert isinstance(metadata.tables["invoices"].c.total_amount.type, ExactDecimal)


def test_migrations_create_a_column_per_field(tmp_path: Path) -> None:
    with ResultsStore(f"sqlite:///{tmp_path / 'results.sqlite'}") as store:
        store.migrate()
        inspector = sa.inspect(store.engine)
        for table, fields in FIELDS.items():
            columns = {c["name"]: c for c in inspector.get_columns(table)}
            assert set(columns) - BOOKKEEPING[table] == set(fields), table
            for name, column in fields.items():
                if column.kind in {"date", "decimal"}:
                    assert _sql_type_fits(column, columns[name]["type"]), (table, name)


def test_row_mapping_fills_every_column() -> None:
    record = full_record()
    row = record_row(record)
    invoices = {c.name for c in metadata.tables["invoices"].columns}
    assert set(row) == invoices - {"created_at", "updated_at"}
    assert all(row[name] not in (None, [], {}) for name in FIELDS["invoices"])
    [item] = line_rows(record)
    assert set(item) == {c.name for c in metadata.tables["line_items"].columns} - {"id"}
    assert all(value is not None for value in item.values())


def test_every_field_round_trips_through_the_database(tmp_path: Path) -> None:
    record = full_record()
    evaluation = Evaluation(
        document_id=record.document_id,
        status=record.status,
        quality_score=record.quality_score,
        reasons=record.reasons,
        duplicate_of=record.duplicate_of,
        record=record,
    )
    with ResultsStore(f"sqlite:///{tmp_path / 'results.sqlite'}") as store:
        store.migrate()
        store.upsert_evaluation(evaluation)
        assert store.get_record(record.document_id) == record


# ---------------------------------------------------------------------- Arrow


def test_arrow_schema_has_a_column_per_field() -> None:
    assert sorted(INVOICE_SCHEMA.names) == sorted(InvoiceRecord.model_fields)
    for column in RECORD_COLUMNS:
        field = INVOICE_SCHEMA.field(column.name)
        if column.kind == "date":
            assert field.type == pa.date32(), column.name
        if column.decimal is not None:
            assert field.type == pa.decimal128(column.decimal.precision, column.decimal.scale)
        assert field.nullable == (not column.required), column.name
    nested = {
        "line_items": (INVOICE_SCHEMA.field("line_items").type.value_type, RecordLineItem),
        "issues": (INVOICE_SCHEMA.field("issues").type.value_type, Issue),
        "fields": (INVOICE_SCHEMA.field("fields").type.item_type, Evidence),
    }
    for name, (struct, model) in nested.items():
        assert sorted(f.name for f in struct) == sorted(model.model_fields), name
        for column in columns_of(model):
            if column.decimal is not None:
                decimal = pa.decimal128(column.decimal.precision, column.decimal.scale)
                assert struct.field(column.name).type == decimal, (name, column.name)


def test_every_field_reaches_the_arrow_table() -> None:
    [row] = records_to_arrow([full_record()]).to_pylist()
    assert set(row) == set(InvoiceRecord.model_fields)
    assert all(value not in (None, []) for value in row.values())
    assert all(value is not None for value in row["line_items"][0].values())
    assert all(value is not None for value in dict(row["fields"])["total_amount"].values())


# ------------------------------------------------------------------ to_record


def test_to_record_fills_every_field() -> None:
    record = to_record(
        full_invoice(),
        status="approved",
        quality_score=0.9,
        checks=[Check(name="total_matches", passed=False, message="m", field="total_amount")],
        reasons=["why"],
        duplicate_of="doc-0",
        extractor="rules",
        ocr_engine="rapidocr",
    )
    for name, field in InvoiceRecord.model_fields.items():
        default = field.get_default(call_default_factory=True)
        assert _is_set(getattr(record, name), default), name
    for name in RecordLineItem.model_fields:
        assert getattr(record.line_items[0], name) is not None, name
