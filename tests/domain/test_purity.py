"""ltc/domain stays pure: no framework or I/O imports, no clock reads, no file access."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "ltc" / "domain"
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
}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("datetime", "today"), ("time", "time")}


def domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.name)
def test_domain_module_imports_no_framework_or_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [m for m in imported_modules(tree) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_MODULES)]
    assert bad == [], f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.name)
def test_domain_module_reads_no_clock_and_opens_no_file(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id != "open", f"{path.name}:{node.lineno} opens a file"
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                assert (func.value.id, func.attr) not in CLOCK_READS, f"{path.name}:{node.lineno} reads the clock"


def test_the_rule_catches_a_violation() -> None:
    tree = ast.parse("from piccolo.table import Table\nimport ltc.services.users\n")
    assert imported_modules(tree) == ["piccolo.table", "ltc.services.users"]
