"""Every code that can reach a page has words in both catalogs, and every error code the
system raises has a sentence for people in both languages. The codes are collected from the
vocabulary, from the domain's enums and constants that pages show, and (for errors) from the
source itself, so a new code without words fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ltc.domain import (
    agreements,
    assignment,
    audit_chain,
    eligibility,
    personal_data,
    settlement,
    verification,
    visit_events,
    visit_exceptions,
)
from ltc.domain.access import Role
from ltc.domain.sessions import EndReason, SessionKind
from ltc.geo.towns import load_towns
from ltc.services import caregivers, census, providers
from ltc.web import refusal_words, vocabulary
from ltc.web.errors import HTTP_CODES

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z][a-z0-9]*(?:[_.][a-z0-9]+)*$")
SNAKE_OR_DOTTED = re.compile(r"[a-z0-9][_.][a-z]")
PLACEHOLDER = re.compile(r"\{[^}]*\}|%\([^)]*\)s")


def catalog(language: str) -> dict[str, str]:
    path = ROOT / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return {
            message.id: message.string
            for message in read_po(po, locale=language)
            if isinstance(message.id, str) and message.id and not message.fuzzy
        }


CATALOGS = {language: catalog(language) for language in ("zh_CN", "en")}


def vocabulary_codes() -> set[str]:
    """Codes listed as they are (translated with the code as msgid)."""
    found: set[str] = set()
    for name, value in vars(vocabulary).items():
        if name.isupper() and isinstance(value, list):
            found |= {item for item in value if CODE.match(item)}
    return found


# Dictionaries of sentences by code, not a code's words.
_MESSAGE_DICTS = {"ERROR_MESSAGES", "VALIDATION_MESSAGES", "JOB_TITLES", "TOWNS"}


def worded_codes() -> dict[str, str]:
    """Codes given their words in a dictionary (code → English words as msgid)."""
    found: dict[str, str] = {}
    for module in (vocabulary, refusal_words):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, dict) and name not in _MESSAGE_DICTS:
                found |= {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and CODE.match(k)}
    return found


def rendered_domain_codes() -> set[str]:
    """Codes of the domain that pages show as they are stored (statuses, kinds, reasons …)."""
    codes = {role.value for role in Role} | {reason.value for reason in EndReason} | {k.value for k in SessionKind}
    codes |= {status.value for status in visit_exceptions.ExceptionStatus} | set(visit_exceptions.EXPLANATION_CODES)
    codes |= set(agreements.TRANSITIONS) | {target for _, target in agreements.TRANSITIONS.values()}
    codes |= set(assignment.KINDS) | set(assignment.ASSIGNED_REASONS) | set(assignment.UNASSIGNED_REASONS)
    codes |= set(settlement.STATUSES) | set(visit_events.STATUSES) | set(census.STATUSES)
    codes |= set(verification.RULES_BY_CODE) | set(audit_chain.BREAK_CODES)
    codes |= set(caregivers.QUALIFICATIONS) | set(providers.KINDS) | {town.terrain for town in load_towns()}
    return codes


def test_the_domain_codes_pages_show_are_in_the_vocabulary() -> None:
    missing = sorted(rendered_domain_codes() - vocabulary_codes() - set(worded_codes()))
    assert missing == [], f"add to ltc/web/vocabulary.py: {missing}"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_code_has_words_not_the_code(language: str) -> None:
    words = CATALOGS[language]
    untranslated = sorted(code for code in vocabulary_codes() if not words.get(code) or words[code] == code)
    assert untranslated == [], f"{language}: no words for {untranslated}"


def test_english_words_of_a_code_read_as_words() -> None:
    english = CATALOGS["en"]
    code_like = sorted(code for code in vocabulary_codes() if SNAKE_OR_DOTTED.search(english.get(code, "")))
    code_like += sorted(
        code for code, words in worded_codes().items() if SNAKE_OR_DOTTED.search(PLACEHOLDER.sub("", words))
    )
    assert code_like == []


def test_the_words_of_a_worded_code_are_translated() -> None:
    chinese = CATALOGS["zh_CN"]
    assert sorted(code for code, words in worded_codes().items() if not chinese.get(words)) == []


def test_towns_have_their_name_in_each_language() -> None:
    assert set(vocabulary.TOWNS) == {town.name for town in load_towns()}
    for town in load_towns():
        english_id = vocabulary.TOWNS[town.name]
        assert english_id == town.name_en
        assert CATALOGS["zh_CN"].get(english_id) == town.name
        assert CATALOGS["en"].get(english_id) == town.name_en


def test_every_job_title_is_translated() -> None:
    for title in vocabulary.JOB_TITLES.values():
        assert CATALOGS["zh_CN"].get(title) and title in CATALOGS["en"], title


# Error codes as the source raises them: a code= argument, a class's code attribute, a dict's
# "code" key (a rule's errors), an eligibility gate; plus the framework's and the check-in's.
_RAISED = [
    re.compile(r'\bcode\s*=\s*"([a-z][a-z0-9_]*)"'),
    re.compile(r'"code":\s*"([a-z][a-z0-9_]*)"'),
    re.compile(r'\bGate\(\s*"([a-z][a-z0-9_]*)"'),
]
# Not errors: values named "code" that are data (a town's code in a query, a test double).
_NOT_ERRORS = {"code"}


def raised_error_codes() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "ltc").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        # The benchmarks' "code" keys are filters of the pages they time, not refusals.
        for pattern in _RAISED[:1] if "bench" in path.parts else _RAISED:
            codes |= set(pattern.findall(text))
    codes |= {code for code, _ in HTTP_CODES.values()} | {"database_unavailable", "http_error"}
    codes |= set(visit_events.REFUSALS)
    codes |= set(re.findall(r'return "(retention_[a-z_]+)"', Path(personal_data.__file__).read_text(encoding="utf-8")))
    return codes - _NOT_ERRORS


def test_the_scan_finds_the_codes_it_should() -> None:
    codes = raised_error_codes()
    assert len(codes) > 180
    assert {"role_not_allowed", "not_found", "notice_not_over", "not_insured", "overlapping_slots"} <= codes
    assert {gate.code for gate in eligibility.GATES} <= codes


def test_every_raised_error_code_has_a_message() -> None:
    missing = sorted(raised_error_codes() - set(refusal_words.ERROR_MESSAGES))
    assert missing == [], f"add to ERROR_MESSAGES in ltc/web/refusal_words.py: {missing}"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_error_message_is_in_both_catalogs(language: str) -> None:
    """Chinese translates each sentence; English has its entry (the English sentence is the
    message id, so an empty English translation still reads in English)."""
    words = CATALOGS[language]
    missing = sorted(
        code
        for code, message in refusal_words.ERROR_MESSAGES.items()
        if message not in words or (language == "zh_CN" and not words[message])
    )
    assert missing == [], f"{language}: {missing}"


def test_chinese_error_messages_are_chinese() -> None:
    chinese = CATALOGS["zh_CN"]
    english_only = sorted(
        code
        for code, message in refusal_words.ERROR_MESSAGES.items()
        if not re.search(r"[\u4e00-\u9fff]", chinese[message])
    )
    assert english_only == []
