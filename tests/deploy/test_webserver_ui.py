"""dagster-webserver serving the pipeline from PostgreSQL: its GraphQL API, then the UI itself
in headless Chromium.

The webserver is started for real (`dagster-webserver -w workspace.yaml`) on the production
instance that the drop-folder pass of conftest.py filled. GraphQL must return the six
per-document assets, their lineage, the documents as partitions and a materialization's
metadata. Then Playwright drives Debian's chromium (never a downloaded browser) over the
asset graph and one partition's materialization; the screenshots are kept under
test-artifacts/deploy/. A missing chromium fails the test: `make system-deps` installs it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ARTIFACTS, VENV_BIN, PipelinePass, ProdEnv, free_port, running

pytestmark = pytest.mark.postgres

DOCUMENT_ASSETS = ["raw", "preprocessed", "ocr_text", "llm_fields", "validated", "evaluation"]
CHAIN = [
    ("raw", "preprocessed"),
    ("preprocessed", "ocr_text"),
    ("ocr_text", "llm_fields"),
    ("llm_fields", "validated"),
    ("validated", "evaluation"),
]
CHROMIUM = Path("/usr/bin/chromium")
UI_TIMEOUT_MS = 60_000  # the UI renders slowly on a loaded 2-core machine
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Webserver:
    url: str
    documents: dict[str, Any]  # document id -> ground truth

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


LOCATIONS = """{ workspaceOrError { __typename ... on Workspace {
  locationEntries { name loadStatus locationOrLoadError { __typename } } } } }"""


@pytest.fixture(scope="module")
def webserver(prod_env: ProdEnv, pipeline_pass: PipelinePass) -> Iterator[Webserver]:
    docs = {doc_id: dropped.truth for doc_id, dropped in pipeline_pass.documents.items()}
    port = free_port()
    args = ["dagster-webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with running(args, prod_env, "webserver.log") as proc:
        server = Webserver(f"http://127.0.0.1:{port}", docs)
        deadline = time.monotonic() + 90
        while True:
            if not proc.alive():
                pytest.fail(f"dagster-webserver exited:\n{proc.log_tail()}")
            try:
                data = server.graphql(LOCATIONS)
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation"
                    break
            except (httpx.HTTPError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"webserver not serving the code location after 90 s:\n{proc.log_tail()}"
                )
            time.sleep(1)
        yield server


ASSET_NODES = """{ assetNodes {
  assetKey { path } groupName isPartitioned
  partitionDefinition { type dimensionTypes { dynamicPartitionsDefinitionName } }
  dependencyKeys { path } dependedByKeys { path } } }"""

PARTITIONS = """query ($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) {
  __typename ... on AssetNode { partitionKeys partitionStats { numMaterialized numFailed } } } }"""

MATERIALIZATION = """query ($key: AssetKeyInput!, $partitions: [String!]) {
  assetOrError(assetKey: $key) { __typename ... on Asset {
    assetMaterializations(partitions: $partitions, limit: 1) {
      partition runId metadataEntries { __typename label
        ... on TextMetadataEntry { text } ... on FloatMetadataEntry { floatValue }
        ... on IntMetadataEntry { intValue } } } } } }"""


def test_graphql_serves_assets_lineage_partitions_and_metadata(webserver: Webserver) -> None:
    nodes = {
        "/".join(n["assetKey"]["path"]): n for n in webserver.graphql(ASSET_NODES)["assetNodes"]
    }
    assert set(DOCUMENT_ASSETS) <= set(nodes)
    for name in DOCUMENT_ASSETS:
        node = nodes[name]
        assert node["groupName"] == "invoice"
        assert node["isPartitioned"]
        definition = node["partitionDefinition"]
        assert definition["type"] == "DYNAMIC"
        assert definition["dimensionTypes"][0]["dynamicPartitionsDefinitionName"] == "documents"
    for upstream, downstream in CHAIN:
        assert [upstream] in [k["path"] for k in nodes[downstream]["dependencyKeys"]]
        assert [downstream] in [k["path"] for k in nodes[upstream]["dependedByKeys"]]
    assert nodes["raw"]["dependencyKeys"] == []

    doc_ids = set(webserver.documents)
    for name in DOCUMENT_ASSETS:
        node = webserver.graphql(PARTITIONS, key={"path": [name]})["assetNodeOrError"]
        assert set(node["partitionKeys"]) == doc_ids, name
        assert node["partitionStats"]["numMaterialized"] == len(doc_ids), name

    for doc_id, truth in webserver.documents.items():
        asset = webserver.graphql(
            MATERIALIZATION, key={"path": ["evaluation"]}, partitions=[doc_id]
        )
        [event] = asset["assetOrError"]["assetMaterializations"]
        assert event["partition"] == doc_id
        metadata = {e["label"]: e for e in event["metadataEntries"]}
        assert metadata["invoice_number"]["text"] == truth.invoice_number
        assert metadata["status"]["text"] in ("approved", "manual_review")
        assert 0.0 <= metadata["quality_score"]["floatValue"] <= 1.0


@pytest.fixture(scope="module")
def failed_and_backfill(prod_env: ProdEnv, webserver: Webserver) -> dict[str, str]:
    """A corrupt file processed through the CLI on the same instance (a failed record with
    its reason) and a backfill requested (no daemon runs it: it stays requested)."""
    import json
    import subprocess

    corrupt = prod_env.root / "corrupt-upload.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n% truncated")
    env = prod_env.process_env()
    done = subprocess.run(
        [str(VENV_BIN / "invoice-pipeline"), "process", str(corrupt)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(done.stdout.splitlines()[0])
    assert record["status"] == "failed" and record["reasons"]
    doc_id = sorted(webserver.documents)[0]
    launched = subprocess.run(
        [str(VENV_BIN / "invoice-pipeline"), "backfill", doc_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert launched.returncode == 0, launched.stderr[-3000:]
    return {
        "failed_id": record["document_id"],
        "reason": record["reasons"][0],
        "backfill_id": launched.stdout.strip(),
    }


def test_ui_in_headless_chromium(webserver: Webserver, failed_and_backfill: dict[str, str]) -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make system-deps` (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc_id, truth = sorted(webserver.documents.items())[0]
    wait = {"timeout": UI_TIMEOUT_MS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(UI_TIMEOUT_MS)

            page.goto(f"{webserver.url}/locations/invoice_pipeline/asset-groups/invoice")
            for name in DOCUMENT_ASSETS:
                expect(page.get_by_text(name, exact=True).first).to_be_visible(**wait)
            page.wait_for_timeout(1500)  # let the graph finish its layout animation
            page.screenshot(path=str(ARTIFACTS / "asset-graph.png"))

            page.goto(f"{webserver.url}/assets/evaluation?view=partitions&partition={doc_id}")
            expect(page.get_by_text("Latest materialization").first).to_be_visible(**wait)
            expect(page.get_by_text("invoice_number", exact=True).first).to_be_visible(**wait)
            expect(page.get_by_text(truth.invoice_number, exact=True).first).to_be_visible(**wait)
            expect(page.get_by_text(doc_id).first).to_be_visible(**wait)
            page.screenshot(path=str(ARTIFACTS / "partition-materialization.png"), full_page=True)

            # the page thumbnail of `preprocessed` is an image that really decodes
            page.goto(f"{webserver.url}/assets/preprocessed?view=partitions&partition={doc_id}")
            page.get_by_role("row").filter(has_text="page_1").get_by_text(
                "[Show Markdown]"
            ).first.click()
            thumbnail = page.get_by_role("dialog").locator('img[src^="data:image/png"]').first
            expect(thumbnail).to_be_attached(**wait)
            thumbnail.scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
            )
            assert thumbnail.evaluate("img => img.naturalWidth") > 100

            # the fields table of `validated` has the extracted rows, with their values
            page.goto(f"{webserver.url}/assets/validated?view=partitions&partition={doc_id}")
            expect(page.get_by_text("Latest materialization").first).to_be_visible(**wait)
            for field, value in (
                ("invoice_number", truth.invoice_number),
                ("total_amount", truth.total_amount),
                ("currency", truth.currency),
            ):
                row = page.locator("tr").filter(has_text=field).filter(has_text=value).first
                expect(row).to_be_visible(**wait)
            page.screenshot(path=str(ARTIFACTS / "validated-fields.png"), full_page=True)

            # a failed document shows its reason, and its document_ok check failed
            failed = failed_and_backfill["failed_id"]
            page.goto(f"{webserver.url}/assets/evaluation?view=partitions&partition={failed}")
            expect(page.get_by_text("Latest materialization").first).to_be_visible(**wait)
            code = failed_and_backfill["reason"].split(":")[0]
            expect(page.get_by_text(code).first).to_be_visible(**wait)
            page.screenshot(path=str(ARTIFACTS / "failed-reasons.png"), full_page=True)

            # the sensor and the backfill pages render
            page.goto(f"{webserver.url}/locations/invoice_pipeline/sensors/drop_folder_sensor")
            expect(page.get_by_text("drop_folder_sensor").first).to_be_visible(**wait)
            expect(page.get_by_text("Running").first).to_be_visible(**wait)
            page.screenshot(path=str(ARTIFACTS / "sensor.png"))
            backfill = failed_and_backfill["backfill_id"]
            page.goto(f"{webserver.url}/runs/b/{backfill}")
            expect(page.get_by_text(backfill).first).to_be_visible(**wait)
            expect(page.get_by_text("evaluation", exact=True).first).to_be_visible(**wait)
            page.screenshot(path=str(ARTIFACTS / "backfill.png"))
        finally:
            browser.close()
    for shot in (
        "asset-graph.png",
        "partition-materialization.png",
        "validated-fields.png",
        "failed-reasons.png",
        "sensor.png",
        "backfill.png",
    ):
        assert (ARTIFACTS / shot).stat().st_size > 10_000, shot
