"""Hostile inputs and failing dependencies (issue 9): nothing lost, nothing leaked."""
