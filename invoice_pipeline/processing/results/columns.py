"""The columns of a record, read from the annotations of its pydantic model.

:func:`columns_of` turns each field of a model (:class:`InvoiceRecord`,
:class:`RecordLineItem`, and the nested :class:`Issue` and :class:`Evidence`)
into a :class:`Column`: its name, its kind (text, number, date, decimal or a
list or map of values) and whether it may be null. The row mapping of the
results database (``rows.py``) and the Arrow schema of the Parquet table
(``parquet.py``) are built from these, so the record's fields are written out
once, in ``invoice_pipeline/schema.py``; a field of a type no kind here fits
raises TypeError at import rather than being left out.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Union

from pydantic import BaseModel

from invoice_pipeline.schema import DateText, DecimalText, InvoiceRecord, RecordLineItem

__all__ = ["LINE_ITEM_COLUMNS", "RECORD_COLUMNS", "Column", "Kind", "columns_of"]

Kind = Literal[
    "text", "int", "float", "floats", "strings", "date", "decimal", "models", "model_map"
]
"""text: ``str`` or a ``Literal`` of strings; floats: a tuple of floats (a box);
strings: ``list[str]``; date, decimal: a string marked :class:`DateText` or
:class:`DecimalText`; models: ``list[Model]``; model_map: ``dict[str, Model]``."""

CONTAINERS = frozenset({"floats", "strings", "models", "model_map"})


@dataclass(frozen=True)
class Column:
    """One field of a record model as a column."""

    name: str
    kind: Kind
    nullable: bool
    """None is a valid value of the field (its annotation allows it)."""
    decimal: DecimalText | None = None
    """Precision, scale and style of a ``decimal`` column."""
    model: type[BaseModel] | None = None
    """The item model of a ``models`` or ``model_map`` column."""

    @property
    def required(self) -> bool:
        """A scalar that is never null (an empty container is stored as null or empty)."""
        return not self.nullable and self.kind not in CONTAINERS


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether it had it."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return annotation, False


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _kind(annotation: Any, metadata: list[Any]) -> tuple[Kind, Any]:
    """The kind of a field's type (without None) and its item model, if any."""
    for marker in metadata:
        if isinstance(marker, DecimalText):
            return "decimal", None
        if isinstance(marker, DateText):
            return "date", None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is str or (origin is Literal and all(isinstance(a, str) for a in args)):
        return "text", None
    if annotation in (int, float):
        return ("int" if annotation is int else "float"), None
    if origin is tuple and args and all(a is float for a in args):
        return "floats", None
    if origin is list and args == (str,):
        return "strings", None
    if origin is list and len(args) == 1 and _is_model(args[0]):
        return "models", args[0]
    if origin is dict and len(args) == 2 and args[0] is str and _is_model(args[1]):
        return "model_map", args[1]
    raise TypeError(f"no column kind for {annotation!r}")


@cache
def columns_of(model: type[BaseModel]) -> tuple[Column, ...]:
    """The columns of ``model``, one per field, in field order."""
    columns = []
    for name, field in model.model_fields.items():
        annotation, nullable = _without_none(field.annotation)
        try:
            kind, item = _kind(annotation, field.metadata)
        except TypeError as exc:
            raise TypeError(f"{model.__name__}.{name}: {exc}") from None
        decimal = next((m for m in field.metadata if isinstance(m, DecimalText)), None)
        columns.append(Column(name, kind, nullable, decimal, item))
    return tuple(columns)


RECORD_COLUMNS: tuple[Column, ...] = columns_of(InvoiceRecord)
LINE_ITEM_COLUMNS: tuple[Column, ...] = columns_of(RecordLineItem)
