"""Dagster instance storages that keep their database connections open.

Dagster's stock storages open a new connection (and, on SQLite, a new SQLAlchemy
engine) for every read and write; one document's event log is about 25 writes.
``postgres`` holds the production `dagster.yaml`'s PostgreSQL storages, ``sqlite`` the
event log of the embedded default. Each is named by module and class in a
`dagster.yaml`, so every process that loads that instance imports it.
"""
