"""A reportlab canvas with top-left coordinates: the drawing primitives of the layouts.

:class:`Pen` draws text (left, right or centre aligned), lines and rectangles
with ``y`` growing downwards, measures, fits and wraps text in the style's
font, and returns the finished PDF bytes (reportlab's ``invariant`` mode, so
the output is reproducible). The grey, light, black and white colours the
layouts share are defined here too.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .style import Style

# ------------------------------------------------------------------- drawing

GREY = colors.HexColor("#666666")
LIGHT = colors.HexColor("#eeeeee")
BLACK = colors.black
WHITE = colors.white


class Pen:
    """A reportlab canvas with top-left coordinates (``y`` grows downwards)."""

    def __init__(self, pagesize: tuple[float, float], style: Style, title: str) -> None:
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=pagesize, invariant=1, pageCompression=1)
        self.c.setTitle(title)
        self.c.setAuthor("invoice-pipeline samples")
        self.c.setCreator("invoice-pipeline samples")
        self.W, self.H = pagesize
        self.style = style

    def font(self, bold: bool = False, font: str | None = None) -> str:
        return font or (self.style.bold if bold else self.style.font)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = 9,
        bold: bool = False,
        align: str = "left",
        color: colors.Color = BLACK,
        font: str | None = None,
    ) -> None:
        """Draw ``s`` with its baseline at ``y`` from the top."""
        if not s:
            return
        self.c.setFillColor(color)
        self.c.setFont(self.font(bold, font), size)
        yy = self.H - y
        if align == "right":
            self.c.drawRightString(x, yy, s)
        elif align == "center":
            self.c.drawCentredString(x, yy, s)
        else:
            self.c.drawString(x, yy, s)

    def width(self, s: str, size: float = 9, bold: bool = False) -> float:
        return stringWidth(s, self.font(bold), size)

    def fit(self, s: str, max_width: float, size: float, bold: bool = False) -> float:
        """The largest font size up to ``size`` (at least 5) at which ``s`` fits."""
        while size > 5 and self.width(s, size, bold) > max_width:
            size -= 0.25
        return size

    def wrap(self, s: str, width: float, size: float = 9, bold: bool = False) -> list[str]:
        return simpleSplit(s, self.font(bold), size, width) or [""]

    def hline(
        self, x1: float, x2: float, y: float, w: float = 0.5, color: colors.Color = BLACK
    ) -> None:
        self.c.setStrokeColor(color)
        self.c.setLineWidth(w)
        self.c.line(x1, self.H - y, x2, self.H - y)

    def vline(
        self, x: float, y1: float, y2: float, w: float = 0.5, color: colors.Color = BLACK
    ) -> None:
        self.c.setStrokeColor(color)
        self.c.setLineWidth(w)
        self.c.line(x, self.H - y1, x, self.H - y2)

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: colors.Color | None = None,
        stroke: colors.Color | None = None,
        lw: float = 0.5,
    ) -> None:
        if fill is not None:
            self.c.setFillColor(fill)
        if stroke is not None:
            self.c.setStrokeColor(stroke)
            self.c.setLineWidth(lw)
        self.c.rect(
            x, self.H - y - h, w, h, stroke=int(stroke is not None), fill=int(fill is not None)
        )

    def new_page(self) -> None:
        self.c.showPage()

    def finish(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()
