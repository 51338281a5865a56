"""The text a reader sees on a page: no tags, attributes, scripts or styles, and without the
small support codes (``data-support-code``) that error pages keep for the help desk."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HIDDEN = {"script", "style", "template", "title", "head"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# A code as stored: snake_case (too_short, medical_carer) or dotted (care_plan.confirm).
CODE_IN_TEXT = re.compile(r"\b[a-z_]+\.[a-z_]+\b|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        names = {name for name, _ in attrs}
        if self._skipping or tag in _HIDDEN or "data-support-code" in names or "hidden" in names:
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes_in(html: str) -> list[str]:
    return sorted(set(CODE_IN_TEXT.findall(visible_text(html))))
