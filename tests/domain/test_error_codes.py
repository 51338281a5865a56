"""Every error code the domain can raise is asserted by some test.

The codes are read from the domain's source (``ltc/domain/*.py``): the ``code="..."`` of
every error raised (a call of :class:`DomainError` or one of its subclasses), each error
class's own ``code = "..."``, the codes of the application gates (``Gate("...", ...)``,
raised as the refusal's code) and the ``{"code": "...", "detail": ...}`` entries a rule
collects before raising the first of them. A code passes when some test file under
``tests/`` quotes it (this file aside). A new code without a test fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ltc.domain import errors

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "ltc" / "domain"

# Codes that no test can see raised, each with the reason. Keep this short: a code that can
# be raised belongs in a test, not here.
_DEFAULT = "a class's default code, carried only by an error raised without code=, and no raise does that"
CANNOT_BE_RAISED: dict[str, str] = {
    "domain_error": _DEFAULT,
    "invalid_input": _DEFAULT,
    "conflict": _DEFAULT,
    "forbidden": _DEFAULT,
}

ERROR_CLASSES = {
    name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, errors.DomainError)
}


def error_names(tree: ast.Module, path: Path) -> set[str]:
    """The names that stand for the domain's errors in a module: those it imports from
    ltc.domain.errors (all of them in errors.py itself), never a class of its own so named."""
    if path == DOMAIN / "errors.py":
        return set(ERROR_CLASSES)
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "ltc.domain.errors"
        for alias in node.names
        if alias.name in ERROR_CLASSES
    }
    return names - {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def domain_error_codes() -> dict[str, set[str]]:
    """Each code the domain raises, with the modules that raise it."""
    found: dict[str, set[str]] = {}

    def add(code: str | None, module: str) -> None:
        if code is not None:
            found.setdefault(code, set()).add(module)

    for path in sorted(DOMAIN.glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        raised = error_names(tree, path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in raised:
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        add(_literal(keyword.value), path.name)
            elif isinstance(node, ast.Call) and _name(node.func) == "Gate" and node.args:
                add(_literal(node.args[0]), path.name)
            elif isinstance(node, ast.ClassDef) and node.name in raised:
                for statement in node.body:
                    if isinstance(statement, ast.Assign | ast.AnnAssign):
                        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                        if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                            add(_literal(statement.value), path.name)
            elif isinstance(node, ast.Dict):
                keys = [_literal(k) for k in node.keys if k is not None]
                if "code" in keys and "detail" in keys:
                    add(_literal(node.values[keys.index("code")]), path.name)
    return found


def quoted_in_tests() -> str:
    here = Path(__file__).resolve()
    return "\n".join(p.read_text("utf-8") for p in sorted((ROOT / "tests").rglob("*.py")) if p.resolve() != here)


def test_the_codes_are_found_in_the_source() -> None:
    codes = domain_error_codes()
    # a few known ones of each kind, so that a broken reader cannot pass by finding nothing
    assert {"invalid_rate", "invalid_transition", "not_found", "age_below_minimum", "no_visit_slots"} <= set(codes)
    assert codes["invalid_rate"] == {"money.py"}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", code) for code in codes)
    assert len(codes) > 80


def test_every_error_code_the_domain_raises_is_asserted_by_a_test() -> None:
    tests = quoted_in_tests()
    missing = {
        code: sorted(modules)
        for code, modules in sorted(domain_error_codes().items())
        if code not in CANNOT_BE_RAISED and f'"{code}"' not in tests and f"'{code}'" not in tests
    }
    assert missing == {}, f"codes no test asserts (code: modules raising it): {missing}"


def test_the_exceptions_are_codes_of_the_domain() -> None:
    assert set(CANNOT_BE_RAISED) <= set(domain_error_codes())


def test_every_error_raised_anywhere_names_its_code() -> None:
    """What makes the class defaults above impossible: no call of an error class in ltc/
    (domain, services, web) leaves out ``code=`` (NotFound and Unauthenticated, whose
    defaults are asserted by tests, aside)."""
    default_allowed = {"NotFound", "Unauthenticated"}
    without = []
    for path in sorted((ROOT / "ltc").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        names = error_names(tree, path) - default_allowed
        without += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and _name(node.func) in names
            and not any(k.arg == "code" or k.arg is None for k in node.keywords)
        ]
        without += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name) and node.exc.id in names
        ]
    assert without == []
