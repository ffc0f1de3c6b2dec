"""Benchmarks of invoice-pipeline: ``python -m bench`` runs them all (see README, Benchmarks).

Each module is also a script (``python bench/throughput.py --help``) that prints
a table and writes JSON, and a PNG chart where one helps, to ``bench/results/``.
"""
