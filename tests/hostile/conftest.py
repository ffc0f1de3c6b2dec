"""Fixtures of the hostile-input tests: isolated instances, the sensor as the daemon runs it,
the fake LLM server, and one shared LLM-outage scenario with a planted API key.

The outage scenario (:func:`llm_outage`) runs once per session because it is the
slowest part: the ``invoice-pipeline process`` command in a child process
against a fake OpenAI server that answers every request with HTTP 500 (no
fallback: Dagster's RetryPolicy retries the ``llm_fields`` step, then the
documents go to manual_review), followed by an in-process run with the
fallback chain ``openai,rules`` through malformed answers, 429 and 500 storms
and timeouts. ``test_secrets`` scans every output of both for the key;
``test_failing_dependencies`` checks the retries and decisions.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.storage.tags import RUN_KEY_TAG

from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.jobs import JOB_NAME
from invoice_pipeline.runner import QUIET_RUN_CONFIG
from invoice_pipeline.sensors.drop_folder import tick_in_process
from tests.fake_llm_server import FakeLLMServer, Reply, openai_error, openai_reply
from tests.hostile.inputs import INVOICE_LINES, invoice_pdf, text_pdf

REPO = Path(__file__).resolve().parents[2]
STABLE = 0.2
KEY = "sk-test-LEAKCANARY-7f3a9c2e5b1d4a6f8e0c2b4d6f8a0c1e"
"""The planted OpenAI key: recognisable, never to be found in any output."""
CANARY = "LEAKCANARY"
"""A fragment from the middle of the key: catches a key printed in part (masked ends)."""


def settle() -> None:
    time.sleep(STABLE + 0.05)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def instance_overrides(home: Path) -> dict[str, Any]:
    """One SQLite event log for all runs (Dagster's default makes a database per run, with
    its schema, which triples the time of a one-document run)."""
    return {
        "event_log_storage": {
            "module": "dagster._core.storage.event_log",
            "class": "ConsolidatedSqliteEventLogStorage",
            "config": {"base_dir": str(home / "events")},
        }
    }


def instance_yaml(home: Path) -> str:
    """dagster.yaml of :func:`instance_overrides`, for ``invoice-pipeline`` in a child process."""
    return json.dumps({"telemetry": {"enabled": False}, **instance_overrides(home)})


@pytest.fixture(scope="session")
def instance_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty instance made once: creating the SQLite schemas takes seconds, copying none."""
    folder = tmp_path_factory.mktemp("hostile-dagster-template")
    with dg.instance_for_test(temp_dir=str(folder), overrides=instance_overrides(folder)) as inst:
        inst.get_runs()  # touch every storage, so each creates its schema now
        inst.all_logs("none")
    return folder


@pytest.fixture
def env(pipeline_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The isolated embedded default of ``pipeline_env`` with a short stability wait."""
    monkeypatch.setenv("INVOICE_STABLE_SECONDS", str(STABLE))
    for var in (
        "INVOICE_SENSOR_MAX_PER_TICK",
        "INVOICE_IGNORE_PATTERNS",
        "INVOICE_KEEP_ORIGINALS",
        "INVOICE_MAX_FILE_BYTES",
        "INVOICE_MAX_PAGES",
        "INVOICE_MAX_IMAGE_PIXELS",
        "OCR_PAGE_TIMEOUT_SECONDS",
        "OPENAI_BASE_URL",
        "LLM_MAX_RETRIES",
        "LLM_TIMEOUT_SECONDS",
    ):
        monkeypatch.delenv(var, raising=False)
    return pipeline_env


@pytest.fixture
def dagster_instance(env: dict[str, Path], instance_template: Path) -> Iterator[dg.DagsterInstance]:
    """A SQLite instance in DAGSTER_HOME, copied from the template."""
    shutil.copytree(instance_template, env["home"], dirs_exist_ok=True)
    with dg.instance_for_test(
        temp_dir=str(env["home"]), overrides=instance_overrides(env["home"])
    ) as instance:
        yield instance


@pytest.fixture
def memory_instance(env: dict[str, Path]) -> Iterator[dg.DagsterInstance]:
    """Dagster's in-memory instance: the same run, event and partition storage API without an
    fsync per event, for in-process runs that need no instance on disk (the sensor does)."""
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


class Daemon:
    """Evaluates drop_folder_sensor tick by tick and applies each result as the daemon does."""

    def __init__(self, instance: dg.DagsterInstance, defs: dg.Definitions):
        self.instance = instance
        self.defs = defs
        self.cursor: str | None = None
        self.run_keys: set[str] = set()

    def tick(self) -> list[dg.RunRequest]:
        data, _ = tick_in_process(self.instance, self.defs, self.cursor)
        fresh = [r for r in data.run_requests if r.run_key not in self.run_keys]
        self.run_keys |= {r.run_key for r in fresh}
        self.cursor = data.cursor
        return fresh

    def execute(self, requests: list[dg.RunRequest]) -> list[dg.ExecuteInProcessResult]:
        job = self.defs.resolve_job_def(JOB_NAME)
        return [
            job.execute_in_process(
                instance=self.instance,
                partition_key=request.partition_key,
                run_config=QUIET_RUN_CONFIG,
                tags={**request.tags, RUN_KEY_TAG: request.run_key},
                raise_on_error=False,
            )
            for request in requests
        ]


@pytest.fixture
def daemon(dagster_instance: dg.DagsterInstance) -> Daemon:
    return Daemon(dagster_instance, build_definitions())


@pytest.fixture
def fake_llm() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer().start()
    try:
        yield server
    finally:
        server.stop()


def materialization_metadata(
    instance: dg.DagsterInstance, asset: str, partition: str
) -> dict[str, Any]:
    """The metadata of the latest materialization of one partition of an asset, as values."""
    result = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1
    )
    assert result.records, f"{asset} was not materialized for {partition}"
    metadata = result.records[0].asset_materialization.metadata
    return {name: value.value for name, value in metadata.items()}


def child_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process: this one (with the test's settings) plus overrides."""
    out = dict(os.environ)
    out.update(overrides)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), out.get("PYTHONPATH")]))
    return out


# ------------------------------------------------------------------------ LLM outage


def minimal_answer(invoice_number: str) -> str:
    """A valid (if sparse) structured answer: what a working OpenAI model returns."""
    return json.dumps(
        {
            "invoice_number": {"value": invoice_number, "confidence": 0.95, "line_ids": []},
            "language": "en",
            "line_items": [],
        }
    )


@dataclass
class Outage:
    """Everything the LLM-outage scenario produced, for the checks to read."""

    root: Path
    home: Path
    storage: Path
    results_url: str
    cli: subprocess.CompletedProcess[str]
    cli_files: list[Path]
    cli_records: list[dict[str, Any]]
    fallback_files: dict[str, Path]
    fallback_records: dict[str, Any]
    cli_requests: list[Any] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)
    error_body: str = ""


@pytest.fixture(scope="session")
def llm_outage(
    tmp_path_factory: pytest.TempPathFactory, instance_template: Path
) -> Iterator[Outage]:
    root = tmp_path_factory.mktemp("llm-outage")
    home, storage, docs = root / "dagster_home", root / "storage", root / "docs"
    for folder in (storage, docs):
        folder.mkdir()
    shutil.copytree(instance_template, home)
    (home / "dagster.yaml").write_text(instance_yaml(home))  # what the child process reads
    results_url = f"sqlite:///{root / 'results.sqlite'}"
    server = FakeLLMServer().start()
    # the server echoes the key, in full and masked, in every error: a leak would be easy
    error_body = f"upstream overloaded; request carried Bearer {KEY} ({KEY[:10]}***{KEY[-4:]})"
    server.always("openai", openai_error(500, error_body, headers={"retry-after-ms": "20"}))
    settings = {
        "INVOICE_STORAGE": str(storage),
        "DAGSTER_HOME": str(home),
        "INVOICE_RESULTS_DB_URL": results_url,
        "INVOICE_INBOX": str(root / "inbox"),
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": f"{server.url}/v1",
        "LLM_MAX_RETRIES": "1",
        "LLM_TIMEOUT_SECONDS": "1",
        "INVOICE_RETRY_DELAY_SECONDS": "0.05",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in settings.items():
            mp.setenv(name, value)
        for name in ("OCR_ENGINE", "INVOICE_EXECUTOR", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY"):
            mp.delenv(name, raising=False)
        try:
            # 1. no fallback: every answer is a 500; the CLI in a child process
            cli_files = []
            for i in range(2):
                path = docs / f"outage-{i}.pdf"
                path.write_bytes(invoice_pdf(700 + i))
                cli_files.append(path)
            out = root / "cli.jsonl"
            cli = subprocess.run(
                [sys.executable, "-m", "invoice_pipeline.cli", "process", *map(str, cli_files)]
                + ["--output", str(out)],
                capture_output=True,
                text=True,
                timeout=240,
                env=child_env(LLM_PROVIDER="openai"),
                cwd=root,
            )
            cli_records = (
                [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
            )
            cli_requests = list(server.requests)

            # 2. the chain openai,rules in process: malformed, 429, 500, timeout, then an answer
            mp.setenv("LLM_PROVIDER", "openai,rules")
            server.reset()
            server.always("openai", openai_error(500, error_body, headers={"retry-after-ms": "20"}))
            malformed = f"Sure! Here is the JSON you asked for, authorised by {KEY}: {{oops"
            server.script(
                "openai",
                openai_reply(malformed),
                openai_reply(malformed),  # the repair turn answers no better
                openai_error(429, f"rate limited for key {KEY}", headers={"retry-after-ms": "20"}),
                openai_error(429, f"rate limited for key {KEY}", headers={"retry-after-ms": "20"}),
                openai_error(500, error_body, headers={"retry-after-ms": "20"}),
                openai_error(500, error_body, headers={"retry-after-ms": "20"}),
                # an answer that comes after LLM_TIMEOUT_SECONDS, twice: a timeout storm
                Reply(openai_reply(minimal_answer("INV-2024-0103")).body, delay=2.5),
                Reply(openai_reply(minimal_answer("INV-2024-0103")).body, delay=2.5),
                openai_reply(minimal_answer("INV-2024-0104")),
            )
            fallback_files = {}
            names = ("malformed", "rate_limited", "server_error", "timeout", "answered")
            for i, name in enumerate(names):
                path = docs / f"{name}.pdf"
                path.write_bytes(text_pdf(invoice_lines(f"INV-2024-{100 + i:04d}")))
                fallback_files[name] = path
            from invoice_pipeline import runner

            with dg.DagsterInstance.from_config(str(home)) as instance:
                records = runner.process(
                    [str(p) for p in fallback_files.values()],
                    defs=build_definitions(),
                    instance=instance,
                    batch_size=10,
                )
            outage = Outage(
                root=root,
                home=home,
                storage=storage,
                results_url=results_url,
                cli=cli,
                cli_files=cli_files,
                cli_records=cli_records,
                fallback_files=fallback_files,
                fallback_records=dict(zip(fallback_files, records, strict=True)),
                cli_requests=cli_requests,
                requests=list(server.requests),
                error_body=error_body,
            )
        finally:
            server.stop()
    # the settings are undone before any test runs: nothing leaks into the rest of the session
    yield outage


def invoice_lines(number: str) -> list[str]:
    """The lines of the test invoice with its own invoice number (so no two are duplicates)."""
    return [line.replace("INV-2024-0042", number) for line in INVOICE_LINES]
