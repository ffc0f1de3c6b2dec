"""Revision scripts of the results database (one file per revision)."""
