"""bench/soak.py inside the suite: 200 documents through the drop folder with injected faults.

The soak runs as its own process (it configures the environment and patches the
OCR engine for its whole process): corrupt, empty, oversized and disguised
files, copies, ignored files, LLM storms and OCR pages that raise. Its ledger,
read back from the results database, the quarantine, the duplicates ledger and
the inbox, must balance, and every original must be recoverable. Measured: 5 min
52 s on 2 cores that were also running a 2,000-document soak (README, "Soak").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = 200


@pytest.mark.slow
def test_soak_of_200_documents_with_injected_faults_balances(tmp_path):
    results = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "soak.py"),
            "--documents",
            str(DOCUMENTS),
            "--results",
            str(results),
            "--workdir",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    [report] = [json.loads(p.read_text()) for p in results.glob("soak*.json")]
    ledger = report.get("result", report)
    assert ledger["dropped"] == DOCUMENTS
    terms = ("approved", "manual_review", "failed_with_reason", "duplicates", "ignored")
    assert sum(ledger[t] for t in terms) == ledger["accounted"] == DOCUMENTS
    assert ledger["balanced"] and ledger["every_original_recoverable"]
    assert not ledger["documents_without_record"] and not ledger["failed_without_reason"]
    # the faults were really injected, and really ended as failures with their reasons
    kinds = ledger["dropped_kinds"]
    assert kinds.get("valid", 0) < DOCUMENTS and len(kinds) >= 4, kinds
    assert ledger["failed_with_reason"] > 0 and ledger["duplicates"] > 0 and ledger["ignored"] > 0
    assert ledger["approved"] + ledger["manual_review"] > DOCUMENTS // 2
    assert len(ledger["failure_reasons"]) >= 3, ledger["failure_reasons"]
