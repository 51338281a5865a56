"""How values read on a page in its language: codes in words, quantities with their unit in
the right plural, lists with the language's separators, dates, times and numbers by Babel's
locale data, towns by their name in the page's language. Registered as template filters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

from ltc.geo.towns import load_towns
from ltc.web import refusal_words, vocabulary
from ltc.web.i18n import current_language, gettext, ngettext


def babel_locale() -> str:
    return "zh_CN" if current_language() == "zh_CN" else "en"


def words(code: object) -> str:
    """A code (status, role, reason, flag …) in the page's words; an empty value stays empty."""
    return gettext(str(code)) if code not in (None, "") else ""


def join_list(items: Iterable[object]) -> str:
    """'a、b和c' in Chinese, 'a, b, and c' in English."""
    parts = [str(item) for item in items if item not in (None, "")]
    return format_list(parts, locale=babel_locale()) if parts else ""


def number(value: float | int | None, digits: int | None = None) -> str:
    """Grouped by the language's rules; ``digits`` fixes the decimals shown."""
    if value is None:
        return "–"
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=babel_locale())


def day(value: date | str | None) -> str:
    """2026年12月6日 / Dec 6, 2026 (a date or its ISO text; other text as given)."""
    if not value:
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, format="medium", locale=babel_locale())


def month(period: str) -> str:
    """A month given as YYYY-MM: 2026年12月 / December 2026 (anything else as given)."""
    try:
        first = date(int(period[:4]), int(period[5:7]), 1)
    except (ValueError, IndexError):
        return period
    return format_skeleton("yMMMM", first, locale=babel_locale())


def moment(value: datetime | None, zone: tzinfo) -> str:
    """A time in the city's zone, to the minute: 2026年12月6日 21:05 / Dec 6, 2026 21:05."""
    if value is None:
        return "–"
    local = value.astimezone(zone)
    return f"{format_date(local.date(), format='medium', locale=babel_locale())} {format_time(local, 'HH:mm', locale=babel_locale())}"


def quantity(amount: int | float, unit: str) -> str:
    """An amount with its unit, in the plural the language asks for ("1 minute", "62 minutes",
    "62 分钟"). An unknown or empty unit leaves the number alone."""
    n = int(amount) if float(amount).is_integer() else amount
    shown = number(n)
    plural = int(n) if isinstance(n, int) else 2
    if unit == "minute":
        return ngettext("%(num)s minute", "%(num)s minutes", plural) % {"num": shown}
    if unit == "day":
        return ngettext("%(num)s bed-day", "%(num)s bed-days", plural) % {"num": shown}
    if unit == "score":
        return ngettext("%(num)s point", "%(num)s points", plural) % {"num": shown}
    if unit == "hour":
        return ngettext("%(num)s hour", "%(num)s hours", plural) % {"num": shown}
    if unit == "km":
        return ngettext("%(num)s km", "%(num)s km", plural) % {"num": shown}
    if unit == "person":
        return ngettext("%(num)s person", "%(num)s people", plural) % {"num": shown}
    if unit == "visit":
        return ngettext("%(num)s visit", "%(num)s visits", plural) % {"num": shown}
    if unit == "month":
        return ngettext("%(num)s month", "%(num)s months", plural) % {"num": shown}
    return shown


def _towns_by_any_name() -> dict[str, str]:
    names = {}
    for town in load_towns():
        for key in (town.code, town.name, town.name_en):
            names[key] = vocabulary.TOWNS.get(town.name, town.name_en)
    return names


_TOWN_NAMES = _towns_by_any_name()


def town(name: str | None) -> str:
    """A town given by its code, Chinese or English name, in the page's language; a name the
    district does not know is shown as it is."""
    if not name:
        return ""
    english = _TOWN_NAMES.get(name.strip())
    return gettext(english) if english else name


def error_message(code: str, title: str = "") -> str:
    """The sentence for an error code in the page's language; the kind's title where a code
    has none of its own."""
    message = refusal_words.ERROR_MESSAGES.get(code)
    return gettext(message) if message else gettext(title or vocabulary.ERROR_TITLES[0])


_CHINESE = re.compile(r"[\u3400-\u9fff]")


def detail_adds_to_message(detail: str) -> bool:
    """A rule's own detail is shown under the message only on a Chinese page and when written
    in Chinese: there it names the record's dates and figures. English details are written for
    developers (codes, field names) and stay in the API's answer."""
    return current_language() == "zh_CN" and bool(_CHINESE.search(detail))


FILTERS = {
    "words": words,
    "join_list": join_list,
    "number": number,
    "day": day,
    "month": month,
    "quantity": quantity,
    "town": town,
}
