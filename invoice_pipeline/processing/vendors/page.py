"""A document's words in page fractions, and the parsing of a span of them as a value.

Every OCR line is split into its words (the engine's word boxes, else the line
cut in proportion to its characters), each with a box as fractions of its page,
so positions compare across a PDF in points and a scan in pixels. A *span* is a
run of up to :data:`MAX_SPAN` words of one line; :func:`read_value` reads a
span as a date, an amount or an id in a learned format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from invoice_pipeline.processing.validate.amounts import parse_amount
from invoice_pipeline.processing.validate.dates import parse_date
from invoice_pipeline.schema import OcrDocument, OcrLine

MAX_SPAN = 5

_AMOUNT_SHAPE = re.compile(r"\d[.,]\d{2}(?!\d)")
_LABEL_TAIL = re.compile(r"^(.*[:#])(.+)$")


@dataclass(frozen=True)
class Word:
    """One word: its text, box in page fractions, line and position in the line."""

    text: str
    box: tuple[float, float, float, float]
    line: OcrLine
    index: int
    page: int
    page_from_end: int


@dataclass(frozen=True)
class Span:
    """Consecutive words of one line."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (
            min(w.box[0] for w in self.words),
            min(w.box[1] for w in self.words),
            max(w.box[2] for w in self.words),
            max(w.box[3] for w in self.words),
        )

    @property
    def line(self) -> OcrLine:
        return self.words[0].line


def words_box(words: Sequence[Word]) -> tuple[float, float, float, float]:
    """The box around ``words``, in page fractions."""
    return (
        min(w.box[0] for w in words),
        min(w.box[1] for w in words),
        max(w.box[2] for w in words),
        max(w.box[3] for w in words),
    )


def page_lines(ocr: OcrDocument) -> list[list[Word]]:
    """The words of every line of the document, line by line."""
    out: list[list[Word]] = []
    count = len(ocr.pages)
    for p_index, page in enumerate(ocr.pages):
        width, height = page.width or 1.0, page.height or 1.0
        for line in page.lines:
            parts = [(w.text, w.box) for w in line.words if w.text.strip()]
            if not parts:
                parts = _split(line)
            words = [
                Word(
                    text=text,
                    box=(box[0] / width, box[1] / height, box[2] / width, box[3] / height),
                    line=line,
                    index=i,
                    page=page.number,
                    page_from_end=count - 1 - p_index,
                )
                for i, (text, box) in enumerate(parts)
            ]
            if words:
                out.append(words)
    return out


def _split(line: OcrLine) -> list[tuple[str, tuple[float, float, float, float]]]:
    """A line without word boxes, cut into words in proportion to their characters."""
    text = line.text
    x0, y0, x1, y1 = line.box
    per_char = (x1 - x0) / max(len(text), 1)
    out = []
    for m in re.finditer(r"\S+", text):
        out.append((m.group(0), (x0 + m.start() * per_char, y0, x0 + m.end() * per_char, y1)))
    return out


def spans(words: list[Word], start: int = 0) -> list[Span]:
    """Every span of ``words`` (one line) that starts at or after ``start``."""
    out = []
    for i in range(start, len(words)):
        for j in range(i + 1, min(i + MAX_SPAN, len(words)) + 1):
            out.append(Span(tuple(words[i:j])))
    return out


def strip_label(text: str) -> tuple[str, str]:
    """``("No.:", "12345")`` for ``No.:12345`` (a label glued to its value), else ``("", text)``."""
    m = _LABEL_TAIL.match(text.strip())
    if m and re.search(r"[A-Za-z]", m.group(1)):
        return m.group(1), m.group(2).strip()
    return "", text.strip()


def compact_id(text: str) -> str:
    return re.sub(r"[\s]", "", text).upper().lstrip("#")


def shape_of(text: str) -> str:
    """The printed shape of an id: letters as ``A``, digits as ``9``, the rest as is."""
    return "".join("A" if c.isalpha() else "9" if c.isdigit() else c for c in compact_id(text))


def shape_pattern(shape: str) -> re.Pattern[str]:
    """A pattern for ids of ``shape``, a digit run one shorter or longer allowed."""
    parts = []
    for m in re.finditer(r"9+|A+|[^9A]+", shape):
        run = m.group(0)
        if run[0] == "9":
            parts.append(rf"\d{{{max(1, len(run) - 1)},{len(run) + 1}}}")
        elif run[0] == "A":
            parts.append(rf"[^\W\d_]{{{len(run)}}}")
        else:
            parts.append(re.escape(run))
    return re.compile("".join(parts))


def decimal_separator(text: str) -> str | None:
    """The decimal separator of a printed amount with cents (``1.234,56`` -> ``,``)."""
    m = list(_AMOUNT_SHAPE.finditer(text))
    return text[m[-1].start() + 1] if m else None


def read_date(text: str, day_first: bool | None) -> dt.date | None:
    _, value = strip_label(text)
    if not re.search(r"\d", value):
        return None
    found, _ambiguous = parse_date(value, day_first=day_first)
    if found is not None and not 1990 <= found.year <= dt.date.today().year + 10:
        return None  # two dates run together by the OCR ("13. September 202312. November")
    return found


def read_amount(text: str, separator: str | None) -> Decimal | None:
    _, value = strip_label(text)
    if separator is not None and decimal_separator(value) != separator:
        return None
    return parse_amount(value, decimal_hint=separator)


def read_id(text: str, shape: str | None) -> str | None:
    _, value = strip_label(text)
    value = compact_id(value)
    if not value or not re.search(r"\d", value):
        return None
    if shape is not None and not shape_pattern(shape).fullmatch(value):
        return None
    return value


def region(box: tuple[float, float, float, float]) -> str:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    row = "top" if cy < 1 / 3 else "middle" if cy < 2 / 3 else "bottom"
    col = "left" if cx < 1 / 3 else "centre" if cx < 2 / 3 else "right"
    return f"{row}-{col}"


def has_letters(text: str) -> bool:
    return bool(re.search(r"[^\W\d_]{2,}", text))
