"""The invoice records as a pandas DataFrame: what analysts open, and the table's schema.

:func:`records_frame` turns records into a DataFrame through the Arrow table of
``parquet.py`` (same columns, same order, decimals as :class:`~decimal.Decimal`,
dates as :class:`~datetime.date`). :func:`flat_frame` makes every nested column
(line items, issues, reasons, evidence) one JSON text cell, as a spreadsheet
needs; :func:`write_frame` writes it as CSV or as an Excel sheet (openpyxl).
:func:`column_types` names each column's Arrow type, for the table schema the
``invoices`` asset shows in the Dagster UI.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
from upath import UPath

from invoice_pipeline.processing.results.parquet import INVOICE_SCHEMA, records_to_arrow
from invoice_pipeline.schema import InvoiceRecord

__all__ = ["column_types", "flat_frame", "records_frame", "write_frame"]


def _nested(type_: pa.DataType) -> bool:
    return pa.types.is_list(type_) or pa.types.is_struct(type_) or pa.types.is_map(type_)


def records_frame(records: Sequence[InvoiceRecord]) -> pd.DataFrame:
    """The records as a DataFrame with the columns of the invoices Parquet table."""
    return records_to_arrow(records).to_pandas()


def flat_frame(records: Sequence[InvoiceRecord]) -> pd.DataFrame:
    """The records with every nested column as JSON text (one cell per value)."""
    frame = records_frame(records)
    for field in INVOICE_SCHEMA:
        if _nested(field.type):
            as_map = pa.types.is_map(field.type)
            frame[field.name] = [
                json.dumps(dict(_plain(v) or {}) if as_map else _plain(v), default=str)
                for v in frame[field.name].tolist()
            ]
    return frame


def _plain(value: Any) -> Any:
    """Arrow's pandas values (numpy arrays, key-value tuples) as JSON-ready lists and dicts."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {k: _plain(v) for k, v in value}  # a map column
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def write_frame(
    records: Sequence[InvoiceRecord], path_or_url: str, fmt: Literal["csv", "xlsx"]
) -> int:
    """Write the records as CSV or as an Excel workbook (sheet ``invoices``); return the rows."""
    frame = flat_frame(records)
    with UPath(path_or_url).open("wb") as fh:
        if fmt == "csv":
            frame.to_csv(fh, index=False)
        else:
            frame.to_excel(fh, sheet_name="invoices", index=False, engine="openpyxl")
    return len(frame)


def column_types() -> list[tuple[str, str]]:
    """(column, Arrow type) of every column of the invoices table, in file order."""
    return [(field.name, str(field.type)) for field in INVOICE_SCHEMA]
