"""Settings from the environment, with the embedded default for every one.

Each variable of DESIGN.md is read here and nowhere else, so a newcomer finds
what a variable does by searching this file. Nothing here imports dagster.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _local_root() -> Path:
    """Where the embedded default keeps its state: ``./.local`` of the working directory."""
    return Path(os.environ.get("INVOICE_LOCAL_ROOT", Path.cwd() / ".local"))


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def dagster_home() -> str:
    return env_str("DAGSTER_HOME") or str(_local_root() / "dagster_home")


def inbox() -> str:
    return env_str("INVOICE_INBOX") or str(Path.cwd() / "inbox")


def storage_root() -> str:
    return env_str("INVOICE_STORAGE") or str(_local_root() / "storage")


def results_db_url() -> str:
    url = env_str("INVOICE_RESULTS_DB_URL")
    if url:
        return url
    root = storage_root()
    if "://" in root and not root.startswith("file://"):
        # an object store cannot hold a SQLite file; keep it on local disk
        return f"sqlite:///{_local_root() / 'results.sqlite'}"
    return f"sqlite:///{Path(root.removeprefix('file://')) / 'results.sqlite'}"


def stable_seconds() -> float:
    return env_float("INVOICE_STABLE_SECONDS", 3.0)


def executor_name() -> str:
    name = (env_str("INVOICE_EXECUTOR") or "in_process").lower()
    if name not in {"in_process", "multiprocess", "k8s"}:
        raise ValueError(f"INVOICE_EXECUTOR must be in_process, multiprocess or k8s, got {name!r}")
    return name


def ocr_engine() -> str:
    return (env_str("OCR_ENGINE") or "auto").lower()


def ocr_device() -> str:
    return (env_str("OCR_DEVICE") or "cpu").lower()


def llm_provider() -> str:
    return (env_str("LLM_PROVIDER") or "rules").lower()


def max_file_bytes() -> int:
    return env_int("INVOICE_MAX_FILE_BYTES", 100 * 1024 * 1024)


def max_pages() -> int:
    return env_int("INVOICE_MAX_PAGES", 200)


def max_image_pixels() -> int:
    return env_int("INVOICE_MAX_IMAGE_PIXELS", 100_000_000)


def batch_size() -> int:
    """Documents per run of a backfill or of the CLI (BackfillPolicy.multi_run)."""
    return env_int("INVOICE_BATCH_SIZE", 25)


def ocr_page_timeout_seconds() -> float | None:
    """OCR_PAGE_TIMEOUT_SECONDS: the longest the engine may take for one page (default 120;
    0 or less: no limit)."""
    value = env_float("OCR_PAGE_TIMEOUT_SECONDS", 120.0)
    return value if value > 0 else None


def retry_delay_seconds(default: float) -> float:
    """INVOICE_RETRY_DELAY_SECONDS: the base delay of every stage's retry policy, replacing
    the stage's own ``default`` when set (read when the definitions load)."""
    return env_float("INVOICE_RETRY_DELAY_SECONDS", default)
