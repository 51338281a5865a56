"""The choices the lists' filter forms offer, in the page's language."""

from __future__ import annotations

from ltc.geo.towns import load_towns
from ltc.web.i18n import current_language


def town_choices() -> list[tuple[str, str]]:
    """The district's towns: (code, name in the page's language)."""
    english = current_language() == "en"
    return [(t.code, t.name_en if english else t.name) for t in load_towns()]
