"""The ``invoice-pipeline`` command: process files, run the demo, read results."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Invoices in, validated records out, through the Dagster definitions of this project."""


def _summary(records: list, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    counts = Counter(r.status for r in records)
    table = Table(title="invoice-pipeline")
    for col in ("documents", "approved", "manual_review", "failed", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(
        str(len(records)),
        str(counts.get("approved", 0)),
        str(counts.get("manual_review", 0)),
        str(counts.get("failed", 0)),
        f"{seconds:.1f}",
    )
    Console(stderr=True).print(table)


def _run(paths: list[str], output: str | None, batch_size: int | None) -> list:
    from tqdm import tqdm

    from invoice_pipeline import settings
    from invoice_pipeline.runner import collect_files, process

    settings.share_cores(settings.get().process_workers)
    total = len(collect_files(paths))
    started = time.perf_counter()
    with tqdm(total=total, unit="doc", file=sys.stderr, desc="processing") as bar:
        records = process(paths, batch_size=batch_size, on_batch=bar.update)
    lines = [r.model_dump_json() for r in records]
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text("".join(line + "\n" for line in lines))
    else:
        for line in lines:
            click.echo(line)
    _summary(records, time.perf_counter() - started)
    return records


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write JSON lines here.")
@click.option(
    "--batch-size", type=int, default=None, help="Documents per run (INVOICE_BATCH_SIZE)."
)
def process(paths: tuple[str, ...], output: str | None, batch_size: int | None) -> None:
    """Process files or folders; one JSON record per document (status approved,
    manual_review or failed). Exits 0 when every document got a record."""
    records = _run(list(paths), output, batch_size)
    missing = [r for r in records if not r.document_id and r.status != "failed"]
    sys.exit(1 if missing else 0)


@main.command()
@click.option("--count", default=8, show_default=True, help="Sample invoices to generate.")
@click.option("--kinds", default="pdf,scan", show_default=True, help="pdf, scan, photo.")
@click.option("--output", "-o", default=None, help="Write JSON lines here (default: stdout).")
def demo(count: int, kinds: str, output: str | None) -> None:
    """Put generated sample invoices in the inbox and process them."""
    from invoice_pipeline import settings
    from invoice_pipeline.samples import generate_corpus

    inbox = Path(settings.get().inbox) / "demo"
    inbox.mkdir(parents=True, exist_ok=True)
    samples = generate_corpus(
        inbox, count=count, kinds=[k.strip() for k in kinds.split(",") if k.strip()]
    )
    for truth in inbox.glob("*.truth.json"):
        target = Path(settings.get().storage_root) / "demo-truth" / truth.name
        target.parent.mkdir(parents=True, exist_ok=True)
        truth.replace(target)
    click.echo(f"generated {len(samples)} sample invoices in {inbox}", err=True)
    _run([str(s.path) for s in samples], output or None, None)
    home = settings.get().dagster_home
    click.echo(
        "\nSee the runs, assets and partitions in the Dagster UI:\n"
        f"  DAGSTER_HOME={home} .venv/bin/dagster dev -w workspace.yaml   # then open http://127.0.0.1:3000",
        err=True,
    )


def _results():
    from invoice_pipeline import settings
    from invoice_pipeline.processing.results.store import ResultsStore

    store = ResultsStore(settings.get().results_db_url)
    store.migrate()
    return store


@main.command()
@click.argument("document_id", required=False)
@click.option(
    "--history",
    is_flag=True,
    help="Every stage the document reached, oldest first, with its time and run id.",
)
def status(document_id: str | None, history: bool) -> None:
    """Stage reached and status of one document or of all (JSON lines)."""
    if history and not document_id:
        raise click.UsageError("--history needs a DOCUMENT_ID")
    store = _results()
    rows = store.history(document_id) if history else store.status(document_id)
    if document_id and not rows:
        raise click.ClickException(f"no document {document_id!r} in the results database")
    for row in rows:
        click.echo(json.dumps(row, default=str))


@main.group(invoke_without_command=True)
@click.option("--limit", type=int, default=None, help="Show at most this many.")
@click.pass_context
def review(ctx: click.Context, limit: int | None) -> None:
    """The review queue: manual_review documents, oldest first, with every reason.

    `review serve` starts the review page.
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    records = _results().review_queue()[:limit]
    table = Table(title=f"review queue: {len(records)} document(s)")
    for col in ("document", "invoice", "seller", "total", "score", "reasons"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(
            r.document_id,
            r.invoice_number or "",
            r.seller_name or "",
            f"{r.total_amount or ''} {r.currency or ''}".strip(),
            f"{r.quality_score:.2f}",
            "\n".join(r.reasons),
        )
    Console().print(table)


@review.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port to bind.")
def review_serve(host: str, port: int) -> None:
    """Serve the review page (queue, documents, decisions, JSON API, /metrics).

    Any address but loopback needs INVOICE_REVIEW_TOKEN.
    """
    from invoice_pipeline import settings
    from invoice_pipeline.review import TokenRequired, serve

    current = settings.get()
    try:
        serve(
            host,
            port,
            results_url=current.results_db_url,
            storage_root=current.storage_root,
            token=settings.review_token(),
            dagster_ui_url=current.review.dagster_ui_url,
            thresholds=current.thresholds,
        )
    except TokenRequired as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv", "xlsx", "json"]),
    default="parquet",
    show_default=True,
)
@click.option("--output", "-o", required=True, help="File to write (a path or an fsspec URL).")
@click.option(
    "--status",
    "status_filter",
    type=click.Choice(["approved", "manual_review", "failed", "rejected"]),
)
def export(fmt: str, output: str, status_filter: str | None) -> None:
    """Export the records of the results database as Parquet, CSV, Excel or JSON lines.

    CSV and Excel (a sheet ``invoices``) are written from a pandas DataFrame of the
    records, with nested columns (line items, issues, reasons) as JSON text.
    """
    from upath import UPath

    from invoice_pipeline.processing.results.frame import write_frame
    from invoice_pipeline.processing.results.parquet import write_parquet

    records = _results().records(status=status_filter)
    if fmt == "parquet":
        write_parquet(records, output)
    elif fmt == "json":
        UPath(output).write_text("".join(r.model_dump_json() + "\n" for r in records))
    else:
        write_frame(records, output, fmt)
    click.echo(f"{len(records)} record(s) written to {output}", err=True)


@main.command()
@click.argument("document_ids", nargs=-1)
@click.option("--all", "all_documents", is_flag=True, help="Every document in the instance.")
@click.option("--failed", is_flag=True, help="Documents whose record or last run failed.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["approved", "manual_review", "failed"]),
    help="Documents with this status in the results database (repeatable).",
)
@click.option("--since", help="Only documents received on or after this date (YYYY-MM-DD).")
@click.option("--now", "in_process", is_flag=True, help="Run here now instead of via the daemon.")
@click.option("--dry-run", is_flag=True, help="List the selected documents; launch nothing.")
@click.option("--batch-size", type=int, default=None, help="Documents per run with --now.")
def backfill(
    document_ids: tuple[str, ...],
    all_documents: bool,
    failed: bool,
    statuses: tuple[str, ...],
    since: str | None,
    in_process: bool,
    dry_run: bool,
    batch_size: int | None,
) -> None:
    """Re-run documents as a Dagster backfill of the six assets (multi-run batches).

    Pick documents with --all, --failed, --status STATUS, --since DATE or ids; --since
    also narrows the others. The backfill is added to the instance at DAGSTER_HOME,
    shows under Backfills in the UI and is run by the daemon (`dagster dev` runs
    one); --now runs the same batches in this process instead.
    """
    from invoice_pipeline import backfill as bf
    from invoice_pipeline.runner import get_instance

    try:
        selection = bf.Selection(
            all=all_documents,
            failed=failed,
            statuses=statuses,
            since=bf.parse_since(since) if since else None,
            document_ids=document_ids,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    if selection.is_empty():
        raise click.UsageError("choose documents: --all, --failed, --status, --since or ids")
    instance = get_instance()
    try:
        keys = bf.select_documents(instance, selection)
    except bf.UnknownDocumentsError as exc:
        raise click.BadParameter(str(exc), param_hint="DOCUMENT_IDS") from exc
    click.echo(f"{len(keys)} document(s) selected ({selection.describe()})", err=True)
    if dry_run or not keys:
        for key in keys:
            click.echo(key)
        return
    if in_process:
        from tqdm import tqdm

        with tqdm(total=len(keys), unit="doc", file=sys.stderr, desc="backfill") as bar:
            result = bf.run_now(instance, keys, batch_size=batch_size, on_batch=bar.update)
        click.echo(
            f"ran {len(result.batches)} run(s) in this process; "
            f"{len(result.failed_batches)} failed",
            err=True,
        )
        sys.exit(1 if result.failed_batches else 0)
    backfill_id = bf.launch_backfill(
        instance,
        keys,
        title=bf.backfill_title(selection, len(keys)),
        tags={bf.SELECTION_TAG: selection.describe()[:63]},
    )
    click.echo(backfill_id)
    click.echo(
        f"backfill {backfill_id} requested: {len(keys)} document(s); the Dagster daemon runs it "
        "(see Backfills in the UI). Without a daemon, use --now.",
        err=True,
    )


if __name__ == "__main__":  # pragma: no cover
    main()


@main.group()
def vendors() -> None:
    """The vendor memory: profiles learned from reviewed invoices (list, show, forget)."""


def _vendor_store():
    from invoice_pipeline.processing.vendors.store import VendorStore

    return VendorStore(_results())


@vendors.command("list")
def vendors_list() -> None:
    """Every known vendor: key, name, version, documents learned from, fields known (JSON lines)."""
    for p in _vendor_store().profiles():
        row = {
            "vendor_key": p.vendor_key,
            "name": p.display_name,
            "version": p.version,
            "documents": len(p.learned_from),
            "fields": p.known_fields,
        }
        click.echo(json.dumps(row))


@vendors.command("show")
@click.argument("vendor")
def vendors_show(vendor: str) -> None:
    """One vendor's profile and history (VENDOR: its key, VAT id, IBAN or name), as JSON."""
    from invoice_pipeline.processing.vendors.store import UnknownVendor

    store = _vendor_store()
    try:
        profile = store.find(vendor, include_forgotten=True)
    except UnknownVendor:
        raise click.ClickException(f"no vendor {vendor!r}") from None
    body = {
        "profile": profile.model_dump(mode="json"),
        "history": store.history(profile.vendor_key),
    }
    click.echo(json.dumps(body, indent=2, default=str))


@vendors.command("forget")
@click.argument("vendor")
@click.option("--by", default=None, help="Who forgets it (kept in the history).")
def vendors_forget(vendor: str, by: str | None) -> None:
    """Forget a vendor: its profile no longer applies; its history is kept."""
    from invoice_pipeline.processing.vendors.store import UnknownVendor

    try:
        profile = _vendor_store().forget(vendor, by=by)
    except UnknownVendor:
        raise click.ClickException(f"no vendor {vendor!r}") from None
    click.echo(f"forgot {profile.display_name} ({profile.vendor_key}), version {profile.version}")
