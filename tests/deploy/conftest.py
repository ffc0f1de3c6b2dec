"""Fixtures of the deployment tests: a PostgreSQL database pair per session, the production
instance folder (the top-level dagster.yaml copied into a temporary DAGSTER_HOME), Dagster
processes (daemon, webserver) started for real and always stopped, and one pipeline pass
through the drop folder that the PostgreSQL and UI tests share.

The PostgreSQL server is the one of this machine (127.0.0.1:5432, user postgres, trust
authentication). Each session creates ``invoice_t7_<random>_dagster`` (the instance) and
``..._results`` (the results database) and drops both at the end, even after a failure.
Long-running processes start in a new session with SIGINT restored to its default (a
background parent may have ignored it, and Dagster then ignores SIGTERM too); they are
stopped with SIGTERM to the whole process group, then SIGKILL, and a sweep of /proc kills
any straggler that still names this session's temporary folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from psycopg2 import sql

from invoice_pipeline.processing.intake.store import document_id_for
from invoice_pipeline.samples import generate_invoice
from tests.pg_server import host_port_user

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PG_HOST, PG_PORT, PG_USER = host_port_user()  # running or throwaway: tests/pg_server.py
ARTIFACTS = REPO / "test-artifacts" / "deploy"

# environment variables a developer's shell may carry that must not leak into the processes
_SCRUB_PREFIXES = ("DAGSTER_", "INVOICE_", "OCR_", "LLM_", "PADDLEOCR_", "TESSERACT_")
_SCRUB_NAMES = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "OPENAI_BASE_URL"}

# runs SIGINT's default handler back in before exec: a parent that ignored SIGINT (a shell
# job started with `&`) would otherwise make dagster-daemon/webserver ignore SIGTERM too
_TRAMPOLINE = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.signal(signal.SIGTERM, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


def pg_connect(dbname: str = "postgres") -> psycopg2.extensions.connection:
    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname)
    conn.autocommit = True
    return conn


def pg_query(dbname: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with contextlib.closing(pg_connect(dbname)) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[dict[str, str]]:
    """Two fresh databases on the local server, dropped at the end of the session."""
    try:
        admin = pg_connect()
    except psycopg2.OperationalError as exc:  # a missing server is a failure, not a skip
        pytest.fail(f"PostgreSQL at {PG_HOST}:{PG_PORT} (user {PG_USER}) is required: {exc}")
    prefix = f"invoice_t7_{secrets.token_hex(4)}"
    names = {"dagster": f"{prefix}_dagster", "results": f"{prefix}_results"}
    try:
        with admin.cursor() as cur:
            for name in names.values():
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield names
    finally:
        with admin.cursor() as cur:
            for name in names.values():
                cur.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        admin.close()


@dataclass
class ProdEnv:
    """A production-style setup in a temporary folder: DAGSTER_HOME, inbox, storage."""

    root: Path
    home: Path
    inbox: Path
    storage: Path
    databases: dict[str, str]
    env: dict[str, str]

    def process_env(self, **extra: str) -> dict[str, str]:
        """The environment of a child process: this machine's, scrubbed, plus ours."""
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB_NAMES
        }
        base["PATH"] = f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}"
        return {**base, **self.env, **extra}

    @contextlib.contextmanager
    def instance(self) -> Iterator[Any]:
        """The instance of DAGSTER_HOME, loaded in this process from the production yaml."""
        from dagster._core.instance import DagsterInstance

        with pytest.MonkeyPatch.context() as mp:
            for key in [k for k in os.environ if k.startswith(_SCRUB_PREFIXES)]:
                mp.delenv(key)
            for key, value in self.env.items():
                mp.setenv(key, value)
            instance = DagsterInstance.from_config(str(self.home))
            try:
                yield instance
            finally:
                instance.dispose()


@pytest.fixture(scope="session")
def prod_env(tmp_path_factory: pytest.TempPathFactory, pg_databases: dict[str, str]) -> ProdEnv:
    root = tmp_path_factory.mktemp("prod")
    home, inbox, storage = root / "dagster_home", root / "inbox", root / "storage"
    for folder in (home, inbox, storage):
        folder.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": PG_HOST,
        "DAGSTER_PG_PORT": str(PG_PORT),
        "DAGSTER_PG_USER": PG_USER,
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": pg_databases["dagster"],
        "DAGSTER_EVENT_BATCH_SIZE": "100",  # as deploy/ sets it
        # one run at a time: the test then also sees the queue hold the second run back
        "DAGSTER_MAX_CONCURRENT_RUNS": "1",
        "INVOICE_INBOX": str(inbox),
        "INVOICE_STORAGE": str(storage),
        "INVOICE_LOCAL_ROOT": str(root / "local"),
        "INVOICE_RESULTS_DB_URL": (
            f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{pg_databases['results']}"
        ),
        "INVOICE_STABLE_SECONDS": "0",
        "INVOICE_SENSOR_INTERVAL_SECONDS": "1",
        "INVOICE_EXECUTOR": "in_process",
        "LLM_PROVIDER": "rules",
        "OCR_ENGINE": "auto",
        "PYTHONUNBUFFERED": "1",
    }
    return ProdEnv(root, home, inbox, storage, pg_databases, env)


class DagsterProcess:
    """A Dagster command run for real in its own process group, stopped cleanly."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, marker: Path) -> None:
        self.args, self.env, self.log, self.marker = args, env, log, marker
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> DagsterProcess:
        executable = shutil.which(self.args[0], path=self.env["PATH"])
        if executable is None:
            raise FileNotFoundError(self.args[0])
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _TRAMPOLINE, executable, *self.args[1:]],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, grace_s: float = 20.0) -> None:
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the child leads its own group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)  # code servers and run workers of the group
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        _kill_stragglers(str(self.marker))


def _kill_stragglers(marker: str) -> None:
    """SIGKILL any process of ours that left the group: its command line or environment
    names this session's unique temporary folder."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            blob = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in blob:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)


@contextlib.contextmanager
def running(
    args: list[str], prod: ProdEnv, log_name: str, **extra_env: str
) -> Iterator[DagsterProcess]:
    process = DagsterProcess(args, prod.process_env(**extra_env), prod.root / log_name, prod.root)
    try:
        yield process.start()
    finally:
        process.stop()


@dataclass(frozen=True)
class DroppedDocument:
    """A generated invoice dropped into the inbox, with its ground truth."""

    file_name: str
    truth: Any  # InvoiceRecord


@dataclass
class PipelinePass:
    """What one pass of the drop folder through the daemon produced."""

    documents: dict[str, DroppedDocument]  # expected document id -> what was dropped
    run_ids: list[str]
    seconds: float
    daemon_log: Path


DOCUMENTS = [(7101, "en"), (7102, "de")]


@pytest.fixture(scope="session")
def pipeline_pass(prod_env: ProdEnv) -> PipelinePass:
    """Born-digital invoices dropped into the inbox, picked by drop_folder_sensor and run by
    `dagster-daemon run -w workspace.yaml` through the instance's run queue; returns once
    every requested run has finished (or fails the test after 150 s)."""
    from dagster import DagsterRunStatus, RunsFilter

    truths: dict[str, DroppedDocument] = {}
    for seed, locale in DOCUMENTS:
        data, suffix, truth = generate_invoice(seed, locale, kind="pdf")
        name = f"{locale}-invoice-{seed}{suffix}"
        (prod_env.inbox / name).write_bytes(data)
        truths[document_id_for(name, hashlib.sha256(data).hexdigest())] = DroppedDocument(
            name, truth
        )

    finished = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    started = time.monotonic()
    run_ids: list[str] = []
    with (
        running(["dagster-daemon", "run", "-w", "workspace.yaml"], prod_env, "daemon.log") as d,
        prod_env.instance() as instance,
    ):
        deadline = started + 150
        while True:
            records = instance.get_run_records(filters=RunsFilter(job_name="invoice_job"))
            done = [r for r in records if r.dagster_run.status in finished]
            if len(records) >= len(truths) and len(done) == len(records):
                run_ids = [r.dagster_run.run_id for r in records]
                break
            if not d.alive():
                pytest.fail(f"dagster-daemon exited early:\n{d.log_tail()}")
            if time.monotonic() > deadline:
                states = [r.dagster_run.status.value for r in records]
                pytest.fail(f"runs not finished after 150 s ({states}):\n{d.log_tail()}")
            time.sleep(2)
    return PipelinePass(truths, run_ids, time.monotonic() - started, prod_env.root / "daemon.log")
