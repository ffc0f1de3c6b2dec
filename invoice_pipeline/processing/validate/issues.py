"""The issues of the validation stage: every problem found becomes an :class:`Issue`.

:func:`issue` stamps an issue with the stage name ``validated`` and a
machine-readable code; the validation steps append them to one list, so bad
data never raises.
"""

from __future__ import annotations

from invoice_pipeline.schema import Issue

__all__ = ["STAGE", "issue"]

STAGE = "validated"


def issue(code: str, message: str, field: str | None = None, severity: str = "error") -> Issue:
    """An issue of the validation stage (severity error, warning or info)."""
    return Issue(code=code, message=message, field=field, severity=severity, stage=STAGE)
