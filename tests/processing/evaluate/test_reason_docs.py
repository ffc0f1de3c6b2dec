"""Every reason code the pipeline can emit is documented in the README for the reviewer.

The codes are collected from the package's source, so a new code fails this test
until the README's table "Reasons and what to check" names it: the ``code`` of
every ``Issue(...)``, the first argument of ``issue(...)`` and of the ``...Error``
exceptions that carry a ``reason_code``, the ``name`` of every ``Check(...)`` (a
failed check becomes an issue with that code), module constants ``*_CODE(S)``
and :data:`~invoice_pipeline.processing.evaluate.checks.REVIEW_CODES`. A code
built with an f-string (``f"provider_{kind}"``) must appear with its prefix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from invoice_pipeline.processing.evaluate.checks import REVIEW_CODES
from invoice_pipeline.processing.validate.roles import ROLE_CODES

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "invoice_pipeline"
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|^[a-z]+$")


def _strings(node: ast.AST) -> set[str]:
    """Literal codes in an expression; an f-string gives its literal prefix and ``*``;
    ``getattr(exc, "reason_code", "default")`` gives its default only."""
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return {first.value + "*"}
        return set()
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) else set()
    if isinstance(node, ast.Call) and _call_name(node) == "getattr":
        return set().union(*(_strings(arg) for arg in node.args[2:]))
    if isinstance(node, (ast.IfExp, ast.BoolOp)):
        return set().union(*(_strings(child) for child in ast.iter_child_nodes(node)))
    return set()


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def emitted_codes() -> dict[str, set[str]]:
    """Each code with the modules that emit it."""
    codes: dict[str, set[str]] = {}

    def add(values: set[str], path: Path) -> None:
        for value in values:
            if CODE.match(value) or re.fullmatch(r"[a-z][a-z0-9_]*_\*", value):
                codes.setdefault(value, set()).add(str(path.relative_to(ROOT)))

    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                keyword = {"Issue": "code", "Check": "name"}.get(name)
                if keyword is not None:
                    for kw in node.keywords:
                        if kw.arg == keyword:
                            add(_strings(kw.value), path)
                elif (name in {"issue", "_issue"} or name.endswith("Error")) and node.args:
                    if name != "AssertionError":
                        add(_strings(node.args[0]), path)
            elif isinstance(node, ast.Assign):
                # CODE = "..." constants and a ``code = ...`` handed to Issue(code=code)
                for target in node.targets:
                    if isinstance(target, ast.Name) and (
                        target.id.endswith("_CODE") or target.id == "code"
                    ):
                        add(_strings(node.value), path)
    for code in REVIEW_CODES | ROLE_CODES:
        codes.setdefault(code, set()).add("constants")
    return codes


def test_the_collector_finds_the_codes_it_should() -> None:
    codes = emitted_codes()
    expected = {
        "seller_ambiguous",
        "seller_not_a_name",
        "total_zero_amount_due",
        "line_items_sum",
        "tax_rate_legal",
        "vat_id_invalid",
        "pdf_encrypted",
        "einvoice_print_mismatch",
        "provider_*",
    }
    assert expected <= set(codes), expected - set(codes)


def test_every_emitted_code_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Reasons and what to check")
    section = readme[start : readme.index("\n## ", start)]
    documented = set(re.findall(r"^\| `([a-z0-9_*]+)`", section, flags=re.MULTILINE))
    missing = {
        code: sorted(where) for code, where in emitted_codes().items() if code not in documented
    }
    assert not missing, f"codes the README does not document: {missing}"
    rows = re.findall(r"^\| `([a-z0-9_*]+)` \|[^|]*\|([^|]*)\|", section, flags=re.MULTILINE)
    assert all(check.strip() for _, check in rows), "every code says what to check"
