"""What one drop-folder tick needs to know, as one frozen options object.

:class:`InboxSettings` is filled from the environment by
:func:`invoice_pipeline.settings.get` (INVOICE_INBOX, INVOICE_STABLE_SECONDS,
INVOICE_SENSOR_INTERVAL_SECONDS, INVOICE_SENSOR_MAX_PER_TICK,
INVOICE_SENSOR_TIME_BUDGET_SECONDS, INVOICE_MAX_FILE_BYTES,
INVOICE_KEEP_ORIGINALS, INVOICE_IGNORE_PATTERNS) and handed to
:class:`~invoice_pipeline.processing.intake.scanner.InboxScanner`; nothing here
reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InboxSettings:
    """The drop folder, its stability wait, per-tick limits and extra ignore patterns."""

    inbox: str
    """The drop folder: a local path or any fsspec URL."""
    stable_seconds: float = 3.0
    """How long a file must keep its size and modification time before it is read."""
    sensor_interval_seconds: int = 10
    """The least time between two sensor ticks."""
    max_per_tick: int = 200
    """Stable files read per tick at most; the rest wait for the next tick."""
    time_budget_seconds: float = 20.0
    """A tick stops reading files after this long."""
    max_file_bytes: int = 100 * 1024 * 1024
    """Larger files are held in the inbox with a reason, never read."""
    keep_originals: bool = False
    """Leave dropped files in the inbox after archiving them."""
    ignore_patterns: tuple[str, ...] = ()
    """Extra glob patterns of files to skip silently (see :mod:`.ignore`)."""
