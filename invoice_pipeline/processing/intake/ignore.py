"""Which files in a drop folder are not documents: system, hidden, temporary and partial files.

Ignored files are skipped without noise (no quarantine, no error). Extra glob
patterns are passed in by the caller (``InboxSettings.ignore_patterns``, read from
INVOICE_IGNORE_PATTERNS by :mod:`invoice_pipeline.settings`, e.g. ``*.txt,scratch/*``).
The patterns are compiled once into regular expressions, so the drop-folder
sensor can check ten thousand names per tick in a few milliseconds.
"""

from __future__ import annotations

import os
import re
from fnmatch import translate
from functools import lru_cache
from pathlib import PurePath

SYSTEM_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r", ".localized"}
SYSTEM_FOLDERS = {"__MACOSX", "@eaDir", "$RECYCLE.BIN"}
TEMPORARY_PATTERNS = (
    "~$*",
    "*.tmp",
    "*.temp",
    "*.part",
    "*.partial",
    "*.crdownload",
    "*.download",
    "*.swp",
    "*.swx",
    "*~",
    ".~lock.*#",
)


def _compile(patterns: tuple[str, ...], flags: int = 0) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{translate(p)})" for p in patterns), flags)


_TEMPORARY = _compile(TEMPORARY_PATTERNS, re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=32)
def _extra(extra: tuple[str, ...]) -> re.Pattern[str] | None:
    return _compile(extra, re.DOTALL)


def is_ignored_folder(name: str) -> bool:
    """True for a folder whose every file is ignored (hidden or system): no need to list it."""
    return name.startswith(".") or name.lower() in SYSTEM_NAMES or name in SYSTEM_FOLDERS


def is_ignored(relative_path: str | PurePath, extra: tuple[str, ...] = ()) -> bool:
    """True for a file the drop folder must skip silently (checked on every path part).

    ``extra``: glob patterns to skip besides the built-in ones, matched against the
    relative path and the file name.
    """
    posix = relative_path.as_posix() if isinstance(relative_path, PurePath) else relative_path
    if os.sep == "\\":  # elsewhere a backslash is part of a name: "a\\..\\b.pdf" is one file
        posix = posix.replace("\\", "/")
    parts = [p for p in posix.split("/") if p not in ("", ".")]
    if any(is_ignored_folder(part) for part in parts):
        return True
    name = parts[-1] if parts else ""
    assert _TEMPORARY is not None
    if _TEMPORARY.match(name):
        return True
    pattern = _extra(tuple(extra))
    return pattern is not None and bool(pattern.match(posix) or pattern.match(name))
