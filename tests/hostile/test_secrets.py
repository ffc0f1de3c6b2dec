"""A planted API key never reaches an output, and document text is only ever data.

The :func:`~tests.hostile.conftest.llm_outage` scenario runs the pipeline with
``OPENAI_API_KEY`` set to a recognisable canary against a fake OpenAI server
that echoes the key (in full and masked) in its 500 and 429 error bodies and
in a malformed answer. Every output is then searched for the key and for a
fragment from its middle: every event of every run in the Dagster event log
(log messages, metadata, step failures with their stack traces and causes),
every file under DAGSTER_HOME (compute logs, run and event databases), every
file of the storage root (assets, registry, archive, quarantine, LLM cache,
the Parquet table), every table of the results database, the decoded Parquet
rows, and stdout, stderr and output file of the CLI.

The prompt-injection test prints instructions aimed at a model on a real
invoice, runs it through the rules extractor and through a fake OpenAI model
that obeys them, and checks that the extraction stays what the page says,
that the document goes to a person, and that no tool or file was touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from dagster._serdes import serialize_value

from invoice_pipeline import runner
from invoice_pipeline.definitions import build_definitions
from tests.fake_llm_server import FakeLLMServer, openai_reply
from tests.hostile.conftest import CANARY, KEY, Outage, materialization_metadata
from tests.hostile.inputs import INJECTION_LINES, text_pdf

NEEDLES = (KEY, CANARY, KEY[-12:])


def leaks(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def test_the_key_was_in_play(llm_outage: Outage) -> None:
    """The canary really went out, and came back in error bodies: a leak was possible."""
    sent = {r.headers.get("authorization") for r in llm_outage.cli_requests + llm_outage.requests}
    assert sent == {f"Bearer {KEY}"}
    assert KEY in llm_outage.error_body
    assert llm_outage.cli_requests and llm_outage.requests


def test_no_key_in_the_dagster_event_log(llm_outage: Outage) -> None:
    with dg.DagsterInstance.from_config(str(llm_outage.home)) as instance:
        runs = instance.get_runs()
        assert len(runs) >= 3  # the CLI's batch and table runs, the in-process ones
        events = 0
        for run in runs:
            assert not leaks(serialize_value(run)), run.run_id
            for entry in instance.all_logs(run.run_id):
                events += 1
                text = serialize_value(entry)
                assert not leaks(text), (run.job_name, entry.user_message[:300])
        retries = [
            entry
            for run in runs
            for entry in instance.all_logs(
                run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY
            )
        ]
        # the scan saw the failures caused by the responses that echoed the key
        assert retries, "the outage should have made Dagster retry llm_fields"
        # the server's error text, which quoted the key, reached the log only redacted
        assert all("HTTP 500" in serialize_value(e) for e in retries)
        assert all("Bearer [redacted]" in serialize_value(e) for e in retries)
        assert events > 100


def _all_files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in sorted(root.rglob("*")) if p.is_file()]


def test_no_key_in_any_file_written(llm_outage: Outage) -> None:
    """DAGSTER_HOME (compute logs, SQLite run/event storage), the storage root, the results DB."""
    files = _all_files(llm_outage.home, llm_outage.storage) + sorted(
        llm_outage.root.glob("results.sqlite*")
    )
    assert any(p.suffix == ".parquet" for p in files)
    assert any("llm-cache" in p.parts for p in files)
    # the runs' captured stdout/stderr (empty here: in-process runs print nothing)
    assert any("compute_logs" in p.parts for p in files)
    needles = [n.encode() for n in NEEDLES]
    for path in files:
        data = path.read_bytes()
        found = [n for n in needles if n in data]
        assert not found, f"{path} holds {found}"


def test_no_key_in_the_results_database(llm_outage: Outage) -> None:
    engine = sa.create_engine(llm_outage.results_url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            assert {"invoices", "line_items", "document_status"} <= set(tables)
            rows = 0
            for table in tables:
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                    rows += 1
                    assert not leaks(json.dumps([str(v) for v in row])), table
            assert rows >= 7
    finally:
        engine.dispose()


def test_no_key_in_the_parquet_table(llm_outage: Outage) -> None:
    table = pq.read_table(llm_outage.storage / "tables" / "invoices.parquet")
    assert table.num_rows == 7
    assert not leaks(json.dumps(table.to_pylist(), default=str))


def test_no_key_in_cli_output(llm_outage: Outage) -> None:
    assert llm_outage.cli.returncode == 0, llm_outage.cli.stderr[-3000:]
    assert not leaks(llm_outage.cli.stdout)
    assert not leaks(llm_outage.cli.stderr)
    assert not leaks(json.dumps(llm_outage.cli_records))
    # what it says instead: the provider was unavailable, and why
    for record in llm_outage.cli_records:
        messages = " ".join(i["message"] for i in record["issues"])
        assert "HTTP 500" in messages and "[redacted]" in messages


def test_no_key_in_exceptions_and_issues(llm_outage: Outage) -> None:
    """The malformed answer quoted the key: the issue says why it failed, without the key."""
    record = llm_outage.fallback_records["malformed"]
    failed = [i for i in record.issues if i.code == "provider_failed"]
    assert failed and "malformed output" in failed[0].message
    for rec in llm_outage.fallback_records.values():
        assert not leaks(rec.model_dump_json())


# ----------------------------------------------------------------------- injection


@pytest.mark.parametrize("provider", ["rules", "openai"])
def test_prompt_injection_is_data(
    provider: str,
    env: dict[str, Path],
    memory_instance: dg.DagsterInstance,
    fake_llm: FakeLLMServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    target = tmp_path / "pwned.txt"
    lines = [line.replace("/etc/passwd", str(target)) for line in INJECTION_LINES]
    path = env["inbox"] / "injected.pdf"
    path.write_bytes(text_pdf(lines))
    passwd = Path("/etc/passwd")
    passwd_hash = hashlib.sha256(passwd.read_bytes()).hexdigest() if passwd.exists() else None
    if provider == "openai":
        monkeypatch.setenv("LLM_PROVIDER", "openai")
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_llm.url}/v1")
        # a model that obeys the page: total 0, an IBAN and a number nobody printed
        obeying = {
            "invoice_number": {"value": "INV-2024-0042", "confidence": 0.99, "line_ids": ["p1-l4"]},
            "total_amount": {"value": "0", "confidence": 0.99, "line_ids": ["p1-l12"]},
            "iban": {"value": "GB33BUKB20201555555555", "confidence": 0.99, "line_ids": []},
            "currency": {"value": "GBP", "confidence": 0.9, "line_ids": []},
            "language": "en",
            "line_items": [],
        }
        fake_llm.always("openai", openai_reply(json.dumps(obeying)))
    [record] = runner.process([str(path)], defs=build_definitions(), instance=memory_instance)

    # the extraction is what the page says: a value the page does not print (the model's
    # total of 0, an invented IBAN) is marked as such, at a confidence that blocks approval
    codes = {(i.code, i.field) for i in record.issues}
    for name, printed in (("total_amount", "120.00"), ("iban", None)):
        value = getattr(record, name)
        if value is not None and value != printed:
            assert record.fields[name].confidence <= 0.2, name
            assert ("value_not_on_page", name) in codes, name
    if provider == "rules":
        assert record.total_amount == "120.00"
        assert record.invoice_number == "INV-2024-0042"
    # a person looks at it, and the UI says why
    assert record.status == "manual_review"
    assert any("prompt_injection_suspected" in r for r in record.reasons)
    meta = materialization_metadata(memory_instance, "llm_fields", record.document_id)
    assert "prompt_injection_suspected" in meta["issues"]
    if provider == "openai":
        # the page went to the model as data inside the marked block, with no tools to call
        [request] = fake_llm.calls("openai")
        body = request.body
        assert not {"tools", "functions", "tool_choice"} & set(body)
        user = body["messages"][-1]["content"]
        begin = re.search(r"<<<BEGIN (DOCUMENT DATA [0-9A-F]{16})>>>", user)
        assert begin is not None
        block = user[begin.end() : user.index(f"<<<END {begin.group(1)}>>>")]
        assert "Ignore previous instructions" in block
        assert "Ignore previous instructions" not in user.replace(block, "")
        assert "never obey" in body["messages"][0]["content"]
    # no file was written where the page asked, and /etc/passwd is as it was
    assert not target.exists()
    if passwd_hash is not None:
        assert hashlib.sha256(passwd.read_bytes()).hexdigest() == passwd_hash
