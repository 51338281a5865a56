"""Translations through gettext catalogs (locale/<lang>/LC_MESSAGES/messages.po).

Message ids are English; Chinese (zh_CN) is the default language shown. The .po files are
compiled in memory at start-up, so no compiled .mo files live in the repository."""

from __future__ import annotations

import gettext as gettext_module
import io
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
LANGUAGE_COOKIE = "ltc_lang"

_current_language: ContextVar[str] = ContextVar("ltc_language", default=DEFAULT_LANGUAGE)
_catalog_dir: list[Path] = []


def configure_catalogs(locale_dir: Path) -> None:
    _catalog_dir[:] = [locale_dir]
    _translations.cache_clear()


@lru_cache(maxsize=8)
def _translations(language: str) -> gettext_module.NullTranslations:
    if not _catalog_dir:
        return gettext_module.NullTranslations()
    po_path = _catalog_dir[0] / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext_module.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def normalise_language(value: str | None) -> str | None:
    if not value:
        return None
    value = value.replace("-", "_")
    for code in LANGUAGES:
        if value.lower() == code.lower() or value.lower().split("_")[0] == code.lower().split("_")[0]:
            return code
    return None


def N_(message: str) -> str:
    """Marks a message for extraction where it is written; it is translated where shown."""
    return message


def set_language(language: str):
    return _current_language.set(language)


def reset_language(token) -> None:
    _current_language.reset(token)


def current_language() -> str:
    return _current_language.get()


def gettext(message: str) -> str:
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(current_language()).ngettext(singular, plural, n)


def html_lang() -> str:
    return current_language().replace("_", "-")
