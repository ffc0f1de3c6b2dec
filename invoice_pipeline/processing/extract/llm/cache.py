"""A response cache for LLM extraction: same request, same answer, no second paid call.

The key is the sha256 of the provider, model, temperature, prompt and schema
(:func:`cache_key`); the value is the model's validated answer (its JSON data)
with the tokens the original call used. Entries live as JSON files under a
directory, sharded by the first two hex digits of the key: a local path or any
fsspec URL that ``universal_pathlib`` opens (``s3://bucket/llm-cache``,
``memory://cache``). Local writes are atomic (temporary file, then rename), so
parallel runs never read half an entry; a corrupt entry counts as a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_FORMAT = 1


def cache_key(
    *,
    provider: str,
    model: str | None,
    temperature: float | None,
    system: str,
    user: str,
    schema: dict[str, Any],
) -> str:
    """The sha256 hex digest of everything that decides a model's answer."""
    payload = {
        "format": CACHE_FORMAT,
        "provider": provider,
        "model": model,
        "temperature": temperature,
        "system": system,
        "user": user,
        "schema": schema,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class CachedAnswer:
    """One cached answer: the model's JSON data and what producing it cost."""

    data: dict[str, Any]
    provider: str
    model: str | None
    input_tokens: int = 0
    output_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _open_dir(location: Path | str) -> Any:
    if isinstance(location, Path):
        return location
    text = str(location)
    if "://" in text and not text.startswith("file://"):
        from upath import UPath

        return UPath(text)
    return Path(text.removeprefix("file://"))


class ResponseCache:
    """Answers on disk (or an object store) by cache key."""

    def __init__(self, location: Path | str) -> None:
        self.root = _open_dir(location)
        self._local = isinstance(self.root, Path) and type(self.root).__module__.startswith(
            "pathlib"
        )

    def _path(self, key: str) -> Any:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedAnswer | None:
        path = self._path(key)
        try:
            if not path.exists():
                return None
            raw = json.loads(path.read_text(encoding="utf-8"))
            data = raw["data"]
            if not isinstance(data, dict):
                raise TypeError("data is not an object")
            return CachedAnswer(
                data=data,
                provider=str(raw.get("provider", "")),
                model=raw.get("model"),
                input_tokens=int(raw.get("input_tokens", 0)),
                output_tokens=int(raw.get("output_tokens", 0)),
                extra=dict(raw.get("extra") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("LLM cache entry %s unreadable (%s); treating it as a miss", key[:12], exc)
            return None

    def put(self, key: str, answer: CachedAnswer) -> None:
        entry = {
            "format": CACHE_FORMAT,
            "key": key,
            "provider": answer.provider,
            "model": answer.model,
            "input_tokens": answer.input_tokens,
            "output_tokens": answer.output_tokens,
            "extra": answer.extra,
            "data": answer.data,
        }
        text = json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True)
        path = self._path(key)
        try:
            if self._local:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as handle:
                        handle.write(text)
                    os.replace(tmp, path)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        except OSError as exc:  # a cache that cannot be written must not fail the extraction
            log.warning("LLM cache entry %s not written: %s", key[:12], exc)
