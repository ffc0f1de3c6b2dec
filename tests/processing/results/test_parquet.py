"""The invoices table: one stable Arrow/Parquet schema, exact decimals, real dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from invoice_pipeline.processing.results.parquet import (
    INVOICE_SCHEMA,
    SCHEMA_VERSION,
    read_parquet,
    records_to_arrow,
    write_parquet,
)
from invoice_pipeline.schema import Evidence, InvoiceRecord, Issue, RecordLineItem

D = Decimal

MONEY = pa.decimal128(18, 2)
QUANTITY = pa.decimal128(20, 6)
RATE = pa.decimal128(7, 3)
VERSION_1 = pa.schema(
    [
        pa.field("document_id", pa.string(), nullable=False),
        pa.field("source_file", pa.string()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("quality_score", pa.float64(), nullable=False),
        pa.field("invoice_number", pa.string()),
        pa.field("invoice_date", pa.date32()),
        pa.field("due_date", pa.date32()),
        pa.field("currency", pa.string()),
        pa.field("seller_name", pa.string()),
        pa.field("seller_address", pa.string()),
        pa.field("seller_vat_id", pa.string()),
        pa.field("buyer_name", pa.string()),
        pa.field("buyer_address", pa.string()),
        pa.field("buyer_vat_id", pa.string()),
        pa.field("iban", pa.string()),
        pa.field("purchase_order", pa.string()),
        pa.field("subtotal", MONEY),
        pa.field("tax_amount", MONEY),
        pa.field("total_amount", MONEY),
        pa.field(
            "line_items",
            pa.list_(
                pa.struct(
                    [
                        pa.field("description", pa.string()),
                        pa.field("quantity", QUANTITY),
                        pa.field("unit_price", QUANTITY),
                        pa.field("amount", MONEY),
                        pa.field("tax_rate", RATE),
                    ]
                )
            ),
        ),
        pa.field(
            "issues",
            pa.list_(
                pa.struct(
                    [
                        pa.field("code", pa.string()),
                        pa.field("field", pa.string()),
                        pa.field("message", pa.string()),
                        pa.field("severity", pa.string()),
                        pa.field("stage", pa.string()),
                    ]
                )
            ),
        ),
        pa.field("reasons", pa.list_(pa.string())),
        pa.field("duplicate_of", pa.string()),
        pa.field(
            "fields",
            pa.map_(
                pa.string(),
                pa.struct(
                    [
                        pa.field("confidence", pa.float64()),
                        pa.field("page", pa.int32()),
                        pa.field("box", pa.list_(pa.float64())),
                        pa.field("line_ids", pa.list_(pa.string())),
                        pa.field("text", pa.string()),
                    ]
                ),
            ),
        ),
        pa.field("extractor", pa.string()),
        pa.field("ocr_engine", pa.string()),
    ],
    metadata={b"invoice_pipeline.schema_version": b"1"},
)
"""The schema of version 1 files, written out: the derived schema must not drift from it."""


def full_record(document_id: str = "doc-1") -> InvoiceRecord:
    return InvoiceRecord(
        document_id=document_id,
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
        iban="DE89370400440532013000",
        subtotal="0.10",
        tax_amount="0.02",
        total_amount="9999999999999999.12",  # 18 significant digits
        line_items=[
            RecordLineItem(
                description="Strom",
                quantity="1234.5",
                unit_price="0.28735",
                amount="354.73",
                tax_rate="19",
            ),
            RecordLineItem(description="leer"),
        ],
        issues=[Issue(code="date_ambiguous", field="invoice_date", message="m", stage="validated")],
        fields={
            "total_amount": Evidence(
                confidence=0.9, page=1, box=(1.0, 2.0, 3.0, 4.0), line_ids=["p1-l3"], text="x"
            ),
        },
        reasons=["total 9999999999999999.12 cannot be cross-checked"],
        duplicate_of="doc-0",
        extractor="rules",
        ocr_engine="rapidocr",
    )


def test_empty_and_full_tables_have_the_same_schema() -> None:
    empty = records_to_arrow([])
    full = records_to_arrow([full_record(), InvoiceRecord(document_id="doc-2")])
    assert empty.num_rows == 0 and full.num_rows == 2
    assert empty.schema.equals(full.schema, check_metadata=True)
    assert full.schema.equals(INVOICE_SCHEMA, check_metadata=True)
    assert full.schema.field("total_amount").type == pa.decimal128(18, 2)
    assert full.schema.field("invoice_date").type == pa.date32()
    assert full.schema.field("quality_score").type == pa.float64()
    assert pa.types.is_list(full.schema.field("line_items").type)
    assert pa.types.is_struct(full.schema.field("issues").type.value_type)


def _version_2() -> pa.Schema:
    """Version 2: each field's evidence gained the scorer's ``score`` and the ``source``."""
    evidence = pa.struct(
        [
            pa.field("confidence", pa.float64()),
            pa.field("page", pa.int32()),
            pa.field("box", pa.list_(pa.float64())),
            pa.field("line_ids", pa.list_(pa.string())),
            pa.field("text", pa.string()),
            pa.field("score", pa.float64()),
            pa.field("source", pa.string()),
        ]
    )
    index = VERSION_1.get_field_index("fields")
    schema = VERSION_1.set(index, pa.field("fields", pa.map_(pa.string(), evidence)))
    return schema.with_metadata({b"invoice_pipeline.schema_version": b"2"})


def test_schema_version_2_is_unchanged() -> None:
    # a change to InvoiceRecord changes the file: bump SCHEMA_VERSION and add its schema here
    assert SCHEMA_VERSION == "2"
    assert INVOICE_SCHEMA.equals(_version_2(), check_metadata=True)


def test_a_version_1_file_is_read_with_the_new_fields_empty(tmp_path: Path) -> None:
    rows = records_to_arrow([full_record()]).to_pylist()
    for _name, evidence in rows[0]["fields"]:
        del evidence["score"], evidence["source"]
    pq.write_table(pa.Table.from_pylist(rows, schema=VERSION_1), tmp_path / "v1.parquet")
    table = read_parquet(str(tmp_path / "v1.parquet"))
    assert table.schema.equals(INVOICE_SCHEMA, check_metadata=True)
    (name, evidence) = table.to_pylist()[0]["fields"][0]
    assert name == "total_amount" and evidence["line_ids"] == ["p1-l3"]
    assert evidence["score"] is None and evidence["source"] is None


def test_values_are_exact() -> None:
    row = records_to_arrow([full_record()]).to_pylist()[0]
    assert row["subtotal"] == D("0.10") and row["tax_amount"] == D("0.02")
    assert row["total_amount"] == D("9999999999999999.12")
    assert row["invoice_date"] == dt.date(2024, 4, 3)
    item = row["line_items"][0]
    assert (item["quantity"], item["unit_price"], item["amount"], item["tax_rate"]) == (
        D("1234.500000"),
        D("0.287350"),
        D("354.73"),
        D("19.000"),
    )
    assert row["line_items"][1]["amount"] is None
    assert row["issues"][0]["code"] == "date_ambiguous"
    assert dict(row["fields"])["total_amount"]["box"] == [1.0, 2.0, 3.0, 4.0]
    assert row["reasons"] == ["total 9999999999999999.12 cannot be cross-checked"]


def test_unreadable_values_become_nulls() -> None:
    bad = InvoiceRecord(
        document_id="doc-3",
        invoice_date="03.04.2024",
        total_amount="12,50",
        subtotal="1" * 20,  # does not fit decimal128(18, 2)
    )
    row = records_to_arrow([bad]).to_pylist()[0]
    assert (row["invoice_date"], row["total_amount"], row["subtotal"]) == (None, None, None)


def test_parquet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "export" / "invoices.parquet"
    assert write_parquet([full_record("a"), full_record("b")], str(path)) == 2
    table = read_parquet(str(path))
    assert table.schema.equals(INVOICE_SCHEMA, check_metadata=True)
    assert table.column("document_id").to_pylist() == ["a", "b"]
    assert table.column("total_amount").to_pylist()[0] == D("9999999999999999.12")
    raw = pq.read_schema(path)
    assert raw.field("subtotal").type == pa.decimal128(18, 2)
    assert raw.field("due_date").type == pa.date32()


def test_parquet_to_an_fsspec_url() -> None:
    url = "memory://invoice-table-test/invoices.parquet"
    assert write_parquet([], url) == 0
    empty = read_parquet(url)
    assert empty.num_rows == 0 and empty.schema.equals(INVOICE_SCHEMA, check_metadata=True)
    assert write_parquet([full_record()], url) == 1
    assert read_parquet(url).num_rows == 1
