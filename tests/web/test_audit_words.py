"""Every action the services write to the audit trail has words in the vocabulary, and
every one of those words is translated in both languages (no code reaches a page)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from ltc.domain import agreements, settlement
from ltc.web.vocabulary import AUDIT_ACTIONS, AUDIT_RECORDS, audit_action_words

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


def test_every_written_action_and_record_kind_has_words() -> None:
    assert written_actions() - set(AUDIT_ACTIONS) == set()
    kinds = set(_ENTITY_LITERAL.findall(_service_sources()))
    assert kinds - set(AUDIT_RECORDS) == set()


def test_an_unknown_action_reads_as_a_change_not_as_its_code() -> None:
    assert audit_action_words("care_plan.confirm") == "Care plan confirmed"
    assert audit_action_words("some.future_thing") == "Change to a record"


def test_the_words_are_translated_into_chinese_and_english() -> None:
    for language in ("zh_CN", "en"):
        with (ROOT / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po, locale=language)
        for words in [*AUDIT_ACTIONS.values(), *AUDIT_RECORDS.values()]:
            message = catalog.get(words)
            assert message is not None and message.string and not message.fuzzy, (language, words)
    with (ROOT / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        assert read_po(po, locale="zh_CN").get("Care plan confirmed").string == "确认护理计划"
