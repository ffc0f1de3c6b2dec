"""tests/pg_server.py: the running PostgreSQL when one answers, else a throwaway one.

The throwaway server is started for real (Debian's initdb/pg_ctl, in a temporary
folder, on another port), while the machine's server keeps running.
"""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from tests import pg_server


def test_a_throwaway_server_starts_answers_and_is_removed():
    server = pg_server.ThrowawayServer().start()
    try:
        assert server.port != 5432
        assert pg_server.answers(server.url)
        engine = sa.create_engine(f"{server.url}/postgres", poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW port")).scalar() == str(server.port)
        engine.dispose()
    finally:
        server.stop()
    assert not pg_server.answers(server.url, timeout_s=1)
    assert not server.folder.exists()


def test_server_url_starts_one_when_nothing_answers(tmp_path):
    """In a fresh process whose INVOICE_TEST_PG_URL answers nothing, server_url() starts a
    throwaway server, hands it to children through the variable, and stops it at exit."""
    dead = f"postgresql+psycopg2://postgres@127.0.0.1:{pg_server._free_port()}"
    script = (
        "from tests import pg_server; import os\n"
        "url = pg_server.server_url()\n"
        "assert url != os.environ['EXPECTED_DEAD'], url\n"
        "assert os.environ['INVOICE_TEST_PG_URL'] == url\n"
        "assert pg_server.answers(url)\n"
        "print(url)\n"
    )
    env = {"INVOICE_TEST_PG_URL": dead, "EXPECTED_DEAD": dead, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=pg_server.Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    started = done.stdout.strip()
    assert started.startswith("postgresql+psycopg2://postgres@127.0.0.1:")
    assert not pg_server.answers(started, timeout_s=1)  # stopped when that process exited


def test_the_running_server_is_used_when_it_answers(monkeypatch):
    monkeypatch.delenv("INVOICE_TEST_PG_URL", raising=False)
    if not pg_server.answers(pg_server.DEFAULT):
        monkeypatch.setattr(pg_server, "DEFAULT", pg_server.server_url())
    pg_server.server_url.cache_clear()
    try:
        assert pg_server.server_url() == pg_server.DEFAULT
    finally:
        pg_server.server_url.cache_clear()
