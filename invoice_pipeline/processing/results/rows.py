"""An :class:`InvoiceRecord` as rows of the results database, and back.

:func:`record_row` gives the ``invoices`` row of a record (dates as ``date``,
money as ``Decimal``, issues, evidence and reasons as JSON, plus the match keys
of the duplicate check), :func:`line_rows` its ``line_items`` rows, and
:func:`row_record` reads both back into the record, writing numbers as the
record does (``"1234.50"``, ``"0.28735"``, ``"19"``). All three go over the
columns that ``columns.py`` reads from the model, so a field added to the record
is stored and read without an edit here. :func:`utcnow` and :func:`aware` give
the timezone-aware UTC timestamps the tables keep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from invoice_pipeline.processing.results.columns import LINE_ITEM_COLUMNS, RECORD_COLUMNS, Column
from invoice_pipeline.processing.validate.amounts import format_money, format_price, format_quantity
from invoice_pipeline.processing.validate.text import invoice_number_key, name_key
from invoice_pipeline.schema import InvoiceRecord, RecordLineItem, record_date, record_decimal

__all__ = ["CHILD_TABLE_FIELDS", "aware", "line_rows", "record_row", "row_record", "utcnow"]

CHILD_TABLE_FIELDS = frozenset({"line_items"})
"""Record fields kept in a table of their own rather than a column of ``invoices``."""

_FORMATS: dict[str, Callable[[Decimal | None], str | None]] = {
    "money": format_money,
    "price": format_price,
    "quantity": format_quantity,
}


def utcnow() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A timestamp in UTC; a naive one is taken to be UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# ------------------------------------------------------------------ record -> row


def _stored(column: Column, value: Any) -> Any:
    """A record value as its column holds it."""
    if column.kind == "date":
        return record_date(value)
    if column.kind == "decimal":
        return record_decimal(value)
    if column.kind == "models":
        return [item.model_dump(mode="json") for item in value]
    if column.kind == "model_map":
        return {name: item.model_dump(mode="json") for name, item in value.items()}
    if column.kind in {"strings", "floats"}:
        return None if value is None else list(value)
    return value


def record_row(record: InvoiceRecord) -> dict[str, Any]:
    """The ``invoices`` row of a record (without ``created_at`` / ``updated_at``)."""
    row: dict[str, Any] = {
        column.name: _stored(column, getattr(record, column.name))
        for column in RECORD_COLUMNS
        if column.name not in CHILD_TABLE_FIELDS
    }
    row["seller_name_key"] = name_key(record.seller_name)
    row["invoice_number_key"] = invoice_number_key(record.invoice_number)
    return row


def line_rows(record: InvoiceRecord) -> list[dict[str, Any]]:
    """The ``line_items`` rows of a record, numbered from 0 in record order."""
    return [
        {
            "document_id": record.document_id,
            "position": position,
            **{c.name: _stored(c, getattr(item, c.name)) for c in LINE_ITEM_COLUMNS},
        }
        for position, item in enumerate(record.line_items)
    ]


# ------------------------------------------------------------------ row -> record


def _read(column: Column, value: Any) -> Any:
    """A column's value as the record field holds it."""
    if column.kind == "date":
        return value.isoformat() if value else None
    if column.kind == "decimal":
        assert column.decimal is not None
        return _FORMATS[column.decimal.style](value)
    if column.kind == "float" and not column.nullable:
        return float(value or 0.0)
    if column.kind == "models":
        assert column.model is not None
        return [column.model.model_validate(item) for item in value or []]
    if column.kind == "model_map":
        assert column.model is not None
        return {k: column.model.model_validate(v) for k, v in (value or {}).items()}
    if column.kind == "strings":
        return list(value or [])
    return value


def row_record(row: sa.Row[Any], items: Sequence[sa.Row[Any]]) -> InvoiceRecord:
    """The record of an ``invoices`` row and its ``line_items`` rows (in position order)."""
    m = row._mapping
    values = {
        column.name: _read(column, m[column.name])
        for column in RECORD_COLUMNS
        if column.name not in CHILD_TABLE_FIELDS
    }
    values["line_items"] = [
        RecordLineItem(**{c.name: _read(c, i._mapping[c.name]) for c in LINE_ITEM_COLUMNS})
        for i in items
    ]
    return InvoiceRecord(**values)
