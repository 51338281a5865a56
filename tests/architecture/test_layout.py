"""The layout keeps telling the story: services and web modules of one job each (small),
services that take and return typed values, never loose dictionaries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LTC = Path(__file__).resolve().parents[2] / "ltc"
MAX_LINES = 500


def modules(*areas: str) -> list[Path]:
    return sorted(path for area in areas for path in (LTC / area).rglob("*.py"))


@pytest.mark.parametrize("path", modules("services", "web"), ids=lambda p: str(p.relative_to(LTC)))
def test_a_service_or_web_module_is_small_enough_to_have_one_job(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(LTC)} has {lines} lines"


def _loose_dicts(node: ast.AST) -> bool:
    """True when an annotation mentions ``dict[str, Any]`` anywhere (also inside list[...] or X | None)."""
    for part in ast.walk(node):
        if (
            isinstance(part, ast.Subscript)
            and isinstance(part.value, ast.Name)
            and part.value.id in {"dict", "Mapping"}
        ):
            args = part.slice.elts if isinstance(part.slice, ast.Tuple) else [part.slice]
            if any(isinstance(a, ast.Name) and a.id == "Any" for a in args):
                return True
    return False


def public_signatures_with_loose_dicts(source: str, name: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for node in tree.body:
        functions = [node] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else []
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            functions = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for function in functions:
            if function.name.startswith("_"):
                continue
            annotations = [a.annotation for a in [*function.args.args, *function.args.kwonlyargs] if a.annotation]
            if function.returns is not None:
                annotations.append(function.returns)
            if any(_loose_dicts(a) for a in annotations):
                found.append(f"{name}:{function.lineno} {function.name}")
    return found


def test_no_public_service_function_takes_or_returns_a_loose_dict() -> None:
    found = [
        entry
        for path in modules("services")
        for entry in public_signatures_with_loose_dicts(path.read_text(encoding="utf-8"), str(path.relative_to(LTC)))
    ]
    assert found == []


def test_the_check_finds_a_loose_dict_where_there_is_one() -> None:
    source = (
        "from typing import Any\n"
        "async def visible(x: int) -> list[dict[str, Any]]: ...\n"
        "def fine(x: int) -> dict[str, int]: ...\n"
        "def _private(x: dict[str, Any]) -> None: ...\n"
        "def taking(*, params: dict[str, Any] | None) -> None: ...\n"
        "class Reader:\n"
        "    def rows(self) -> dict[str, Any]: ...\n"
    )
    assert public_signatures_with_loose_dicts(source, "m.py") == ["m.py:2 visible", "m.py:5 taking", "m.py:7 rows"]
