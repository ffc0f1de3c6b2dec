"""The invoice records as an Arrow table and a Parquet file with one stable schema.

:data:`INVOICE_SCHEMA` is fixed: money is ``decimal128(18, 2)``, dates are
``date32``, line items and issues are lists of structs, and the per-field
evidence is a map. It is built from the columns that ``columns.py`` reads from
:class:`~invoice_pipeline.schema.InvoiceRecord` (a decimal's precision and scale
come from its annotation), in the column order of version 1 of the file.
:func:`records_to_arrow` always produces exactly this schema, also for an empty
list, so every export of the ``invoices`` asset can be appended to or compared
with the last one. Paths may be local or any fsspec URL (``s3://``, ``gs://``,
``memory://``) through universal_pathlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel
from upath import UPath

from invoice_pipeline.processing.results.columns import Column, columns_of
from invoice_pipeline.schema import InvoiceRecord, Issue, record_date, record_decimal

__all__ = ["INVOICE_SCHEMA", "SCHEMA_VERSION", "read_parquet", "records_to_arrow", "write_parquet"]

SCHEMA_VERSION = "2"
"""2: the evidence of each field gained ``score`` and ``source`` (2026-12-04); 1 is read too."""

_WRITTEN_LAST: dict[type[BaseModel], tuple[str, ...]] = {
    InvoiceRecord: ("fields", "extractor", "ocr_engine"),
    Issue: ("message", "severity", "stage"),
}
"""Fields that version 1 of the file has after all others (in this order), where the
model has them earlier: a file's column order is part of its schema."""

_SCALARS: dict[str, pa.DataType] = {
    "text": pa.string(),
    "int": pa.int32(),
    "float": pa.float64(),
    "floats": pa.list_(pa.float64()),
    "strings": pa.list_(pa.string()),
    "date": pa.date32(),
}


def _columns(model: type[BaseModel]) -> list[Column]:
    """The columns of ``model`` in file order."""
    last = _WRITTEN_LAST.get(model, ())
    columns = columns_of(model)
    return [c for c in columns if c.name not in last] + [
        c for name in last for c in columns if c.name == name
    ]


def _arrow_type(column: Column) -> pa.DataType:
    if column.kind == "decimal":
        assert column.decimal is not None
        return pa.decimal128(column.decimal.precision, column.decimal.scale)
    if column.kind in {"models", "model_map"}:
        assert column.model is not None
        struct = _struct(column.model)
        return pa.list_(struct) if column.kind == "models" else pa.map_(pa.string(), struct)
    return _SCALARS[column.kind]


def _struct(model: type[BaseModel]) -> pa.StructType:
    """A nested model as a struct (every struct field nullable)."""
    return pa.struct([pa.field(c.name, _arrow_type(c)) for c in _columns(model)])


INVOICE_SCHEMA = pa.schema(
    [pa.field(c.name, _arrow_type(c), nullable=not c.required) for c in _columns(InvoiceRecord)],
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


def _value(column: Column, value: Any) -> Any:
    """A record value as its Arrow column holds it."""
    if value is None:
        return None
    if column.kind == "date":
        return record_date(value)
    if column.kind == "decimal":
        return _decimal(value, _arrow_type(column))
    if column.kind == "float":
        return float(value)
    if column.kind in {"floats", "strings"}:
        return list(value)
    if column.kind == "models":
        return [_struct_value(item) for item in value]
    if column.kind == "model_map":
        return [(name, _struct_value(item)) for name, item in value.items()]
    return value


def _struct_value(item: BaseModel) -> dict[str, Any]:
    """A record (a row) or a nested model (a struct) as a dict of Arrow values."""
    return {c.name: _value(c, getattr(item, c.name)) for c in columns_of(type(item))}


def records_to_arrow(records: Sequence[InvoiceRecord]) -> pa.Table:
    """The records as a table of :data:`INVOICE_SCHEMA` (empty input: an empty table)."""
    rows = [_struct_value(r) for r in records]
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
    version = (table.schema.metadata or {}).get(b"invoice_pipeline.schema_version", b"")
    if version == b"1":
        # version 1 lacks evidence fields added since: rebuilt row by row, new fields empty
        return pa.Table.from_pylist(table.to_pylist(), schema=INVOICE_SCHEMA)
    return table.cast(INVOICE_SCHEMA)
