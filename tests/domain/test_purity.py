"""ltc/domain stays pure: no framework or I/O imports, no clock reads, no file access. The
generated data in ltc/demo keeps the same rule, and the domain does not import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LTC = Path(__file__).resolve().parents[2] / "ltc"
FORBIDDEN_MODULES = {
    "litestar",
    "piccolo",
    "arq",
    "redis",
    "fakeredis",
    "httpx",
    "aiosqlite",
    "asyncpg",
    "uvicorn",
    "jinja2",
    "geopy",
    "requests",
    "socket",
    "sqlite3",
    "ltc.db",
    "ltc.services",
    "ltc.web",
    "ltc.worker",
    "ltc.geo",
    "ltc.runtime",
    "ltc.settings",
    "ltc.bench",
}
# What each pure package may not import, on top of the modules above.
PURE_PACKAGES = {"domain": {"ltc.demo"}, "demo": set()}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("datetime", "today"), ("time", "time")}


def pure_files() -> list[Path]:
    return sorted(path for package in PURE_PACKAGES for path in (LTC / package).rglob("*.py"))


def forbidden_for(path: Path) -> set[str]:
    return FORBIDDEN_MODULES | PURE_PACKAGES[path.relative_to(LTC).parts[0]]


def label(path: Path) -> str:
    return str(path.relative_to(LTC))


def imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", pure_files(), ids=label)
def test_pure_module_imports_no_framework_or_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    forbidden = forbidden_for(path)
    bad = [m for m in imported_modules(tree) if any(m == f or m.startswith(f + ".") for f in forbidden)]
    assert bad == [], f"{label(path)} imports {bad}"


@pytest.mark.parametrize("path", pure_files(), ids=label)
def test_pure_module_reads_no_clock_and_opens_no_file(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id != "open", f"{label(path)}:{node.lineno} opens a file"
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                assert (func.value.id, func.attr) not in CLOCK_READS, f"{label(path)}:{node.lineno} reads the clock"


def test_the_rule_catches_a_violation() -> None:
    tree = ast.parse("from piccolo.table import Table\nimport ltc.services.users\n")
    assert imported_modules(tree) == ["piccolo.table", "ltc.services.users"]
