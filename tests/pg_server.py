"""The PostgreSQL server the tests use: the running one, or a throwaway one started here.

:func:`server_url` is the one place tests read where PostgreSQL is
(``postgresql+psycopg2://USER@HOST:PORT``, no database: each test creates and
drops its own). In order: ``INVOICE_TEST_PG_URL`` when it answers; else the
machine's server at ``127.0.0.1:5432`` (user ``postgres``, trust) when it
answers; else a throwaway server from Debian's ``postgresql`` package
(``initdb``/``pg_ctl`` of ``/usr/lib/postgresql/*/bin``) in a temporary folder,
on a free port, trust authentication, stopped and deleted when the test
process exits. ``initdb`` refuses root, so as root the cluster is made and run
as the ``postgres`` system user (``runuser``). The URL is put into
``INVOICE_TEST_PG_URL``, so child processes use the same server.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ENV = "INVOICE_TEST_PG_URL"
DEFAULT = "postgresql+psycopg2://postgres@127.0.0.1:5432"
SUPERUSER = "postgres"


def answers(url: str, timeout_s: int = 3) -> bool:
    """True when a PostgreSQL server at ``url`` (no database) accepts a connection."""
    engine = sa.create_engine(
        f"{url}/postgres", connect_args={"connect_timeout": timeout_s}, poolclass=sa.pool.NullPool
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def pg_bin() -> Path:
    """The newest installed ``/usr/lib/postgresql/<version>/bin`` (Debian's layout)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not found:
        raise RuntimeError(
            "no PostgreSQL server answers and Debian's postgresql package is not installed "
            "(apt-get install postgresql); or set INVOICE_TEST_PG_URL"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayServer:
    """A PostgreSQL cluster in a temporary folder, started on a free port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.bin = pg_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="invoice-test-pg-"))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0
        self.url = f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:  # initdb and postgres refuse to run as root
            path = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin:/usr/bin:/bin"
            runuser = shutil.which("runuser", path=path) or "runuser"
            command = [runuser, "-u", SUPERUSER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> ThrowawayServer:
        try:
            return self._start()
        except BaseException:
            self.stop()  # a half-made cluster is not left behind
            raise

    def _start(self) -> ThrowawayServer:
        if self.as_root:
            shutil.chown(self.folder, SUPERUSER, SUPERUSER)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not answers(self.url, timeout_s=2):
            if time.monotonic() > deadline:
                raise RuntimeError(f"throwaway PostgreSQL on port {self.port} does not answer")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


@functools.cache
def server_url() -> str:
    """Where the tests' PostgreSQL is (see the module docstring); started once per process."""
    configured = os.environ.get(ENV)
    if configured and answers(configured):
        return configured
    if not configured and answers(DEFAULT):
        os.environ[ENV] = DEFAULT
        return DEFAULT
    server = ThrowawayServer().start()
    atexit.register(server.stop)
    os.environ[ENV] = server.url
    return server.url


@contextlib.contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new database ``<prefix>_<random>`` on the tests' server, dropped when done: its name."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = sa.create_engine(f"{server_url()}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def host_port_user(url: str | None = None) -> tuple[str, int, str]:
    """(host, port, user) of the server, for settings that take them apart (DAGSTER_PG_*)."""
    parsed = sa.engine.make_url(url or server_url())
    return parsed.host or "127.0.0.1", parsed.port or 5432, parsed.username or SUPERUSER
