#!/usr/bin/env bash
# Every benchmark at its default size (target: under 15 minutes on the 2-core machine);
# JSON and PNG in bench/results/, the README's results table in bench/results/summary.md.
# Arguments go to `python -m bench` (--quick, --only NAME,..., --data DIR, --results DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[[ -x $PYTHON ]] || { echo "run_all.sh: $PYTHON not found: run 'make setup' first, or set PYTHON" >&2; exit 2; }
"$PYTHON" -c "import matplotlib, pyinstrument" 2>/dev/null ||
    { echo "run_all.sh: the bench extra is missing: $PYTHON -m pip install -e '.[bench]'" >&2; exit 2; }
exec "$PYTHON" -m bench "$@"
