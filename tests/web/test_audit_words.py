"""Every action the services write to the audit trail, and every kind of record it names,
reads in words in both languages (the catalogs translate the codes; no code reaches a page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ltc.domain import agreements, settlement

ROOT = Path(__file__).resolve().parents[2]
_ACTION_LITERAL = re.compile(r'"([a-z_]+\.[a-z_]+)"')
_ENTITY_LITERAL = re.compile(r'entity="([a-z_]+)"')


def _service_sources() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "ltc" / "services").rglob("*.py")))


def written_actions() -> set[str]:
    literal = set(_ACTION_LITERAL.findall(_service_sources()))
    stepped = {f"provider.{action}" for action in agreements.TRANSITIONS} | {
        f"settlement.{action}" for action in settlement.TRANSITIONS
    }
    return literal | stepped


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_written_action_and_record_kind_reads_in_words(language: str) -> None:
    with (ROOT / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    codes = written_actions() | set(_ENTITY_LITERAL.findall(_service_sources()))
    untranslated = sorted(
        code
        for code in codes
        if (message := catalog.get(code)) is None or not message.string or message.fuzzy or message.string == code
    )
    assert untranslated == []
