"""The results stage: the results database (``store``, with ``tables``, ``rows``,
``engine`` and the alembic ``migrations``) and the Parquet table (``parquet``),
both laid out after the columns ``columns`` reads from ``schema.InvoiceRecord``."""
