"""The invoice records as an Arrow table and a Parquet file with one stable schema.

:data:`INVOICE_SCHEMA` is fixed: money is ``decimal128(18, 2)``, dates are
``date32``, line items and issues are lists of structs, and the per-field
evidence is a map. :func:`records_to_arrow` always produces exactly this schema,
also for an empty list, so every export of the ``invoices`` asset can be
appended to or compared with the last one. Paths may be local or any fsspec URL
(``s3://``, ``gs://``, ``memory://``) through universal_pathlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from invoice_pipeline.schema import RECORD_STRING_FIELDS, InvoiceRecord, record_date, record_decimal

__all__ = ["INVOICE_SCHEMA", "SCHEMA_VERSION", "read_parquet", "records_to_arrow", "write_parquet"]

SCHEMA_VERSION = "1"

MONEY = pa.decimal128(18, 2)
QUANTITY = pa.decimal128(20, 6)
RATE = pa.decimal128(7, 3)

LINE_ITEM = pa.struct(
    [
        pa.field("description", pa.string()),
        pa.field("quantity", QUANTITY),
        pa.field("unit_price", QUANTITY),
        pa.field("amount", MONEY),
        pa.field("tax_rate", RATE),
    ]
)
ISSUE = pa.struct(
    [
        pa.field("code", pa.string()),
        pa.field("field", pa.string()),
        pa.field("message", pa.string()),
        pa.field("severity", pa.string()),
        pa.field("stage", pa.string()),
    ]
)
EVIDENCE = pa.struct(
    [
        pa.field("confidence", pa.float64()),
        pa.field("page", pa.int32()),
        pa.field("box", pa.list_(pa.float64())),
        pa.field("line_ids", pa.list_(pa.string())),
        pa.field("text", pa.string()),
    ]
)

INVOICE_SCHEMA = pa.schema(
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
        pa.field("line_items", pa.list_(LINE_ITEM)),
        pa.field("issues", pa.list_(ISSUE)),
        pa.field("reasons", pa.list_(pa.string())),
        pa.field("duplicate_of", pa.string()),
        pa.field("fields", pa.map_(pa.string(), EVIDENCE)),
        pa.field("extractor", pa.string()),
        pa.field("ocr_engine", pa.string()),
    ],
    metadata={b"invoice_pipeline.schema_version": SCHEMA_VERSION.encode()},
)
"""The one schema of the invoices table (bump SCHEMA_VERSION when it changes)."""


def _decimal(value: str | None, type_: pa.Decimal128Type) -> Decimal | None:
    """A record's decimal string at the column's scale; None when unreadable or too big."""
    number = record_decimal(value)
    if number is None:
        return None
    try:
        number = number.quantize(Decimal(1).scaleb(-type_.scale), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    digits = len(number.as_tuple().digits)
    return number if digits <= type_.precision else None


def _row(record: InvoiceRecord) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(record, name) for name in RECORD_STRING_FIELDS}
    row["document_id"] = record.document_id
    row["status"] = record.status
    row["quality_score"] = float(record.quality_score)
    row["invoice_date"] = record_date(record.invoice_date)
    row["due_date"] = record_date(record.due_date)
    for name in ("subtotal", "tax_amount", "total_amount"):
        row[name] = _decimal(getattr(record, name), MONEY)
    row["line_items"] = [
        {
            "description": item.description,
            "quantity": _decimal(item.quantity, QUANTITY),
            "unit_price": _decimal(item.unit_price, QUANTITY),
            "amount": _decimal(item.amount, MONEY),
            "tax_rate": _decimal(item.tax_rate, RATE),
        }
        for item in record.line_items
    ]
    row["issues"] = [
        {
            "code": issue.code,
            "field": issue.field,
            "message": issue.message,
            "severity": issue.severity,
            "stage": issue.stage,
        }
        for issue in record.issues
    ]
    row["reasons"] = list(record.reasons)
    row["fields"] = [
        (
            name,
            {
                "confidence": float(ev.confidence),
                "page": ev.page,
                "box": list(ev.box) if ev.box is not None else None,
                "line_ids": list(ev.line_ids),
                "text": ev.text,
            },
        )
        for name, ev in record.fields.items()
    ]
    return row


def records_to_arrow(records: Sequence[InvoiceRecord]) -> pa.Table:
    """The records as a table of :data:`INVOICE_SCHEMA` (empty input: an empty table)."""
    rows = [_row(r) for r in records]
    return pa.Table.from_pylist(rows, schema=INVOICE_SCHEMA)


def write_parquet(records: Sequence[InvoiceRecord], path_or_url: str) -> int:
    """Write the records as one Parquet file (local path or fsspec URL); return the rows."""
    table = records_to_arrow(records)
    path = UPath(path_or_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pq.write_table(table, handle, compression="zstd")
    return table.num_rows


def read_parquet(path_or_url: str) -> pa.Table:
    """Read an invoices Parquet file back, cast to :data:`INVOICE_SCHEMA`."""
    with UPath(path_or_url).open("rb") as handle:
        table = pq.read_table(handle)
    return table.cast(INVOICE_SCHEMA)
