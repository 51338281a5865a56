"""Every message the pages show has a Chinese translation (the default language)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ltc.web import i18n, vocabulary
from ltc.web.errors import HTTP_CODES

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def chinese_catalog() -> dict[str, str]:
    with CATALOG.open("rb") as po:
        return {m.id: m.string for m in read_po(po, locale="zh_CN") if m.id}


def extracted_messages() -> set[str]:
    method_map = [("ltc/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options, keywords={"_": None, "gettext": None, "N_": None}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_extracted_message_is_translated() -> None:
    catalog = chinese_catalog()
    missing = sorted(m for m in extracted_messages() if not catalog.get(m))
    assert missing == [], f"untranslated: {missing}"


def test_every_error_title_in_code_is_translated() -> None:
    from ltc.domain import errors

    titles = {title for _, title in HTTP_CODES.values()}
    titles |= {
        cls.title for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.DomainError)
    }
    assert titles <= set(vocabulary.ERROR_TITLES)
    catalog = chinese_catalog()
    assert all(catalog.get(title) for title in titles)


def test_the_language_follows_the_context() -> None:
    i18n.configure_catalogs(ROOT / "locale")
    token = i18n.set_language("zh_CN")
    try:
        assert i18n.gettext("Sign in") == "登录"
        assert i18n.html_lang() == "zh-CN"
    finally:
        i18n.reset_language(token)
    token = i18n.set_language("en")
    try:
        assert i18n.gettext("Sign in") == "Sign in"
    finally:
        i18n.reset_language(token)


def test_language_names_are_normalised() -> None:
    assert i18n.normalise_language("zh-CN") == "zh_CN"
    assert i18n.normalise_language("zh") == "zh_CN"
    assert i18n.normalise_language("en-GB") == "en"
    assert i18n.normalise_language("fr") is None
