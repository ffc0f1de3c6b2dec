"""Vendor memory end to end: the review page teaches, extraction reads, Dagster and the CLI show.

Real components only: the pipeline's runs on an ephemeral Dagster instance
(``runner.process``), the review page's JSON API, the results database on SQLite
and the ``vendor_profiles`` asset materialised on the same instance.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
from click.testing import CliRunner
from starlette.testclient import TestClient

from invoice_pipeline import runner
from invoice_pipeline.assets.vendor_profiles import vendor_profiles
from invoice_pipeline.cli import main
from invoice_pipeline.definitions import build_definitions, resources
from invoice_pipeline.processing.results.review_store import ReviewStore
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.vendors.store import VendorStore
from invoice_pipeline.review.app import create_app
from invoice_pipeline.samples.second import build_document
from invoice_pipeline.schema import TEXT_FIELDS, InvoiceRecord

VENDOR = 9
"""A vendor of the second generator's bill-to/ship-to layout, which the rules misread."""


def _write(folder: Path, count: int) -> list[tuple[Path, InvoiceRecord]]:
    out = []
    for i in range(count):
        built = build_document(VENDOR * 1000 + i, "es-ES", "bill_ship", "pdf",
                               totals_style="plain", vendor=VENDOR)  # fmt: skip
        path = folder / f"vendor-{i}{built.suffix}"
        path.write_bytes(built.content)
        out.append((path, built.doc.to_record(path.stem, path.name)))
    return out


def _approve(
    env: dict[str, Path],
    record: InvoiceRecord,
    truth: InvoiceRecord,
    memory: bool,
    *,
    version: int = 0,
    reviewer: str = "ana",
) -> None:
    url = f"sqlite:///{env['results']}"
    app = create_app(url, str(env["storage"]), vendor_memory=memory)
    fields = {k: str(v) for k in TEXT_FIELDS if (v := getattr(truth, k)) not in (None, "")}
    body = {"decision": "approve", "fields": fields, "reviewer": reviewer, "version": version}
    with TestClient(app) as client:
        response = client.post(f"/api/documents/{record.document_id}/review", json=body)
    assert response.status_code == 200, response.text


def _vendors(env: dict[str, Path]) -> VendorStore:
    return VendorStore(ResultsStore(f"sqlite:///{env['results']}"))


def test_profiles_are_read_through_a_resource_not_an_asset_edge(pipeline_env) -> None:
    graph = build_definitions().resolve_asset_graph()
    parents = {p.to_user_string() for p in graph.get(dg.AssetKey("vendor_profiles")).parent_keys}
    assert parents == {"evaluation"}
    llm = graph.get(dg.AssetKey("llm_fields"))
    assert {p.to_user_string() for p in llm.parent_keys} == {"ocr_text"}
    assert "vendor_memory" in llm.assets_def.required_resource_keys
    assert graph.get(dg.AssetKey("vendor_profiles")).partitions_def is None


def test_a_review_teaches_the_profile_the_asset_shows_and_extraction_reads(
    pipeline_env, instance
) -> None:
    files = _write(pipeline_env["inbox"], 3)
    truth = files[0][1]
    defs = build_definitions()
    [first] = runner.process([str(files[0][0])], defs=defs, instance=instance)
    # a reviewer approves with a mistyped invoice number (not on the page): nothing learned yet
    mistyped = truth.model_copy(update={"invoice_number": "999999"})
    _approve(pipeline_env, first, mistyped, memory=False)
    assert _vendors(pipeline_env).profiles() == []

    # the asset catches up on confirmed documents and lists the vendors
    assert dg.materialize([vendor_profiles], instance=instance, resources=resources()).success
    event = instance.get_latest_materialization_event(dg.AssetKey("vendor_profiles"))
    metadata = event.asset_materialization.metadata
    assert metadata["learned_now"].value == 1
    [row] = metadata["vendors"].value.records
    assert row.data["version"] == 1 and row.data["documents"] == 1
    [v1] = _vendors(pipeline_env).profiles()
    assert "invoice_number" not in v1.fields and "invoice_date" in v1.fields

    # the correction of that review wins: the document teaches again, as version 2
    _approve(pipeline_env, first, truth, memory=False, version=1, reviewer="ben")
    reviewed = ReviewStore(_vendors(pipeline_env).results).document(first.document_id)
    assert reviewed is not None and reviewed.record.invoice_number == truth.invoice_number
    assert dg.materialize([vendor_profiles], instance=instance, resources=resources()).success
    [profile] = _vendors(pipeline_env).profiles()
    assert profile.version == 2 and profile.learned_from == [first.document_id]
    assert profile.fields["invoice_number"].learned_from == first.document_id
    history = _vendors(pipeline_env).history(profile.vendor_key)
    assert [(h["version"], h["reviewer"]) for h in history] == [(1, "ana"), (2, "ben")]

    later = runner.process([str(p) for p, _ in files[1:]], defs=defs, instance=instance)
    for record, (_, want) in zip(later, files[1:], strict=True):
        assert record.invoice_number == want.invoice_number
        assert record.fields["invoice_number"].source == profile.source
        assert any(i.code == "vendor_profile_applied" for i in record.issues)


def test_vendor_memory_off_reads_with_the_general_extractor(pipeline_env, instance, monkeypatch):
    monkeypatch.setenv("VENDOR_MEMORY", "false")
    files = _write(pipeline_env["inbox"], 2)
    defs = build_definitions()
    [first] = runner.process([str(files[0][0])], defs=defs, instance=instance)
    _approve(pipeline_env, first, files[0][1], memory=False)
    dg.materialize([vendor_profiles], instance=instance, resources=resources())
    assert len(_vendors(pipeline_env).profiles()) == 1  # learned, but not read
    [later] = runner.process([str(files[1][0])], defs=defs, instance=instance)
    assert all(e.source is None for e in later.fields.values())


def test_vendors_cli_list_show_forget(pipeline_env, instance) -> None:
    files = _write(pipeline_env["inbox"], 1)
    [first] = runner.process([str(files[0][0])], defs=build_definitions(), instance=instance)
    _approve(pipeline_env, first, files[0][1], memory=True)  # the review page's hook learns

    cli = CliRunner()
    listed = cli.invoke(main, ["vendors", "list"])
    assert listed.exit_code == 0, listed.output
    [row] = [json.loads(line) for line in listed.output.splitlines()]
    assert row["name"] == files[0][1].seller_name and row["version"] == 1
    assert "invoice_number" in row["fields"]

    shown = cli.invoke(main, ["vendors", "show", files[0][1].seller_vat_id])
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert body["profile"]["vendor_key"] == row["vendor_key"]
    assert [(h["action"], h["document_id"], h["reviewer"]) for h in body["history"]] == [
        ("learn", first.document_id, "ana")
    ]

    forgotten = cli.invoke(main, ["vendors", "forget", row["vendor_key"], "--by", "ben"])
    assert forgotten.exit_code == 0, forgotten.output
    assert cli.invoke(main, ["vendors", "list"]).output == ""
    history = json.loads(cli.invoke(main, ["vendors", "show", row["vendor_key"]]).output)["history"]
    assert [h["action"] for h in history] == ["learn", "forget"]
    missing = cli.invoke(main, ["vendors", "forget", "no such vendor"])
    assert missing.exit_code != 0 and "no vendor" in missing.output
