"""Listing a drop folder: every file under it with its size, modification time and kind.

:func:`list_folder` walks a local folder with os.scandir (a few times faster
than fsspec, and it skips hidden and system folders without entering them) or
any fsspec URL with ``fs.find``; either way it returns relative path → (size,
mtime, regular file?), the fingerprint by which the scanner tells a stable file
from one still being written. Object stores name the modification time
differently (:func:`mtime_of`); the storage root, when it lies inside the
inbox, is never listed (:func:`storage_prefix`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from typing import Any

from upath import UPath

from invoice_pipeline.processing.intake.ignore import is_ignored_folder

log = logging.getLogger(__name__)

_MTIME_KEYS = ("mtime", "LastModified", "last_modified", "updated", "modified", "created")

Mtime = float | str | None
"""A modification time: seconds, an object store's own stamp or ETag, or unknown."""

Listing = dict[str, tuple[int, Mtime, bool]]
"""relative path → (size, mtime, regular file?)."""


def is_local(path: UPath) -> bool:
    """True for a path on the local file system."""
    protocol = path.protocol or "file"
    return protocol in ("file", "local")


def mtime_of(info: dict[str, Any]) -> Mtime:
    """The modification time in an fsspec ``info`` dict, whatever the file system calls it."""
    for key in _MTIME_KEYS:
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
        return str(value)
    etag = info.get("ETag") or info.get("etag")
    return str(etag) if etag else None


def folder_path(root: UPath) -> str:
    """The path of ``root`` in its file system, without a trailing slash."""
    return root.path.rstrip("/") or "/"


def storage_prefix(root: UPath, storage: UPath) -> str | None:
    """The storage root's path (with a trailing slash) if it lies inside the inbox ``root``
    on the same file system: its files are the pipeline's own, never documents."""
    prefix = storage.path.rstrip("/") + "/"
    same_fs = (storage.protocol or "file") == (root.protocol or "file")
    return prefix if same_fs and prefix.startswith(folder_path(root) + "/") else None


def list_folder(root: UPath, skip_prefix: str | None = None) -> Listing:
    """relative path → (size, mtime, regular file?) for everything under ``root``.

    Files under ``skip_prefix`` (see :func:`storage_prefix`) are left out.
    """
    if is_local(root):
        return _list_local(folder_path(root), skip_prefix)
    return _list_fsspec(root, skip_prefix)


def _list_fsspec(root: UPath, skip_prefix: str | None) -> Listing:
    fs = root.fs
    base = folder_path(root)
    if not fs.exists(base):
        return {}
    out: Listing = {}
    prefix = base if base.endswith("/") else base + "/"
    fs.invalidate_cache(base)  # object stores cache listings in the process
    for path, info in fs.find(base, detail=True).items():
        kind = info.get("type")
        if kind == "directory":
            continue
        if skip_prefix and path.startswith(skip_prefix):
            continue  # the storage root inside the inbox: our own files
        rel = path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")
        if not rel:
            continue
        out[rel] = (int(info.get("size") or 0), mtime_of(info), kind == "file")
    return out


def _list_local(base: str, skip_prefix: str | None) -> Listing:
    """The same for a local folder, with os.scandir: a few times faster than fsspec."""
    out: Listing = {}
    if not os.path.isdir(base):
        os.makedirs(base, exist_ok=True)
        return out
    stack = [(base, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            log.warning("cannot list %s: %s", folder, exc)
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if is_ignored_folder(entry.name):
                    continue
                if skip_prefix and entry.path + "/" == skip_prefix:
                    continue
                stack.append((entry.path, f"{prefix}{entry.name}/"))
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            out[prefix + entry.name] = (st.st_size, st.st_mtime, stat.S_ISREG(st.st_mode))
    return out
