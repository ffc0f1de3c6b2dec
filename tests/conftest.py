"""Shared fixtures: an isolated embedded-default environment per test."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture
def pipeline_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Storage, inbox, results DB and DAGSTER_HOME under tmp_path; no provider keys."""
    paths = {
        "storage": tmp_path / "storage",
        "inbox": tmp_path / "inbox",
        "home": tmp_path / "dagster_home",
        "results": tmp_path / "results.sqlite",
    }
    for key in ("storage", "inbox", "home"):
        paths[key].mkdir()
    monkeypatch.setenv("INVOICE_STORAGE", str(paths["storage"]))
    monkeypatch.setenv("INVOICE_INBOX", str(paths["inbox"]))
    monkeypatch.setenv("DAGSTER_HOME", str(paths["home"]))
    monkeypatch.setenv("INVOICE_RESULTS_DB_URL", f"sqlite:///{paths['results']}")
    for var in (
        "LLM_PROVIDER",
        "OCR_ENGINE",
        "INVOICE_EXECUTOR",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GOOGLE_API_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    return paths


@pytest.fixture
def instance(pipeline_env: dict[str, Path]):
    with dg.instance_for_test(temp_dir=str(pipeline_env["home"])) as inst:
        yield inst
