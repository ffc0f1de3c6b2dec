"""The settings module: every variable read once, typed, with the embedded default."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from invoice_pipeline import settings

REPO = Path(__file__).resolve().parents[1]


def test_the_embedded_default_needs_no_variable(tmp_path: Path) -> None:
    current = settings.get({"INVOICE_LOCAL_ROOT": str(tmp_path)})
    assert current.dagster_home == str(tmp_path / "dagster_home")
    assert current.storage_root == str(tmp_path / "storage")
    assert current.results_db_url == f"sqlite:///{tmp_path / 'storage' / 'results.sqlite'}"
    assert current.executor == "in_process"
    assert current.ocr.engine == "auto" and current.ocr.device == "cpu"
    assert current.extractor.provider == "rules"
    assert current.extractor.cache_dir == f"{tmp_path / 'storage'}/llm-cache"
    assert current.thresholds.approve_min_score == 0.8
    assert current.retry_delay_seconds is None


def test_each_section_reads_its_variables() -> None:
    current = settings.get(
        {
            "INVOICE_STORAGE": "s3://bucket/prefix",
            "INVOICE_LOCAL_ROOT": "/tmp/local",
            "OCR_ENGINE": "Tesseract",
            "OCR_PAGE_TIMEOUT_SECONDS": "0",
            "TESSERACT_PSM": "12",
            "LLM_PROVIDER": "openai,rules",
            "OPENAI_MODEL": "gpt-test",
            "OPENAI_TEMPERATURE": "none",
            "ANTHROPIC_MAX_TOKENS": "1234",
            "INVOICE_APPROVE_MIN_SCORE": "0.9",
            "INVOICE_AMOUNT_TOLERANCE": "0.05",
            "INVOICE_SENSOR_MAX_PER_TICK": "0",
            "INVOICE_IGNORE_PATTERNS": "*.tmp, scratch/*",
            "INVOICE_RETRY_DELAY_SECONDS": "0.5",
            "OCR_K8S_GPU_LIMIT": "2",
        }
    )
    # an object store cannot hold the SQLite results file: it stays on local disk
    assert current.results_db_url == "sqlite:////tmp/local/results.sqlite"
    assert current.ocr.engine == "tesseract"
    assert current.ocr.page_timeout_seconds is None
    assert current.ocr.tesseract_psm == 12
    assert current.extractor.provider == "openai,rules"
    assert current.extractor.openai.model == "gpt-test"
    assert current.extractor.openai.temperature is None
    assert current.extractor.openai.temperature_set
    assert current.extractor.anthropic.max_tokens == 1234
    assert current.thresholds.approve_min_score == 0.9
    assert current.thresholds.tolerance == Decimal("0.05")
    assert current.inbox_settings.max_per_tick == 1  # at least one file per tick
    assert current.inbox_settings.ignore_patterns == ("*.tmp", "scratch/*")
    assert current.retry_delay_seconds == 0.5
    assert current.k8s.ocr_gpu_limit == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INVOICE_EXECUTOR", "celery"),
        ("INVOICE_BATCH_SIZE", "many"),
        ("LLM_TIMEOUT_SECONDS", "0"),
        ("LLM_MAX_RETRIES", "-1"),
        ("OPENAI_TEMPERATURE", "warm"),
        ("OCR_K8S_NODE_SELECTOR", "{not json"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        settings.get({name: value})


def test_keys_are_read_apart_and_never_part_of_the_settings() -> None:
    env = {"OPENAI_API_KEY": "sk-test-0123456789", "GEMINI_API_KEY": "AIza-test"}
    assert settings.api_keys(env) == {"openai": "sk-test-0123456789", "gemini": "AIza-test"}
    dumped = settings.get(env).model_dump_json()
    assert "sk-test" not in dumped and "AIza" not in dumped


def test_only_the_settings_module_reads_the_environment() -> None:
    found = subprocess.run(
        ["grep", "-rln", "--include=*.py", r"os\.environ\|getenv", "invoice_pipeline"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert found == ["invoice_pipeline/settings.py"]


def test_processing_imports_no_dagster_and_no_samples() -> None:
    code = (
        "import sys, pkgutil, importlib, invoice_pipeline.processing as p\n"
        "for m in pkgutil.walk_packages(p.__path__, 'invoice_pipeline.processing.'):\n"
        "    if '.migrations' in m.name or m.name.endswith('_engine'):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'dagster' or n.startswith('dagster.')\n"
        "             or n.startswith('invoice_pipeline.samples'))\n"
        "print(bad[:5])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_env_example_lists_every_variable_the_settings_read() -> None:
    import re

    source = (REPO / "invoice_pipeline" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    for prefix in re.findall(r'_provider\(\s*env,\s*"([A-Z]+)"', source):
        read |= {f"{prefix}_MODEL", f"{prefix}_TEMPERATURE", f"{prefix}_BASE_URL"}
    read |= set(re.findall(r'env\.str\(\s*"([A-Z][A-Z0-9_]+_API_KEY)"', source))
    assert {"OCR_ENGINE", "GEMINI_MODEL", "OPENAI_API_KEY"} <= read  # the scan finds them
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (REPO / ".env.example").read_text(), re.M))
    # XDG_CACHE_HOME is the desktop standard's, not ours
    missing = sorted(read - listed - {"XDG_CACHE_HOME"})
    assert not missing, f".env.example lacks {missing}"


def test_share_cores_gives_each_run_its_part_of_the_cores_for_ocr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    monkeypatch.delenv("OCR_THREADS", raising=False)  # restored (removed) afterwards
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert settings.share_cores(1) is None and "OCR_THREADS" not in os.environ
    assert settings.share_cores(3) == 2
    assert settings.get().ocr.threads == 2
    assert settings.share_cores(2) is None  # set already (by the user or a caller): kept
    assert settings.get().ocr.threads == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.delenv("OCR_THREADS")
    assert settings.share_cores(4) == 1  # never below one thread
