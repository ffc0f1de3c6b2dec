"""Dagster resources: thin configurable wrappers over ``processing`` objects."""
