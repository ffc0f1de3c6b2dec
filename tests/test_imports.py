"""Every module of the package imports on its own: no import cycle hides behind import order."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import importlib, pkgutil, sys
import invoice_pipeline
names = sorted(
    m.name
    for m in pkgutil.walk_packages(invoice_pipeline.__path__, "invoice_pipeline.")
    # alembic's env and revision scripts run inside alembic; __main__ runs a command
    if ".migrations." not in m.name and not m.name.endswith("__main__")
)
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "invoice_pipeline" or m.startswith("invoice_pipeline.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:  # a cycle shows as a partially initialised module
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print(len(names))
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_first() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert int(done.stdout.split()[0]) > 100  # the walk found the package's modules
