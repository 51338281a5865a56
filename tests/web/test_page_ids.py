"""Every page whose path carries a record's id answers an id no database column can hold
(or none exists of) with a page saying so, never a server error."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.helpers import HTML, signed_in_browser

_INT_PARAM = re.compile(r"\{(\w+):int\}")
IDS_NO_ROW_HAS = ("2147483648", "9223372036854775808", "0")


def _page_paths(app: Litestar) -> list[str]:
    paths = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/api/") or not _INT_PARAM.search(route.path):
            continue
        if any("GET" in handler.http_methods for handler in route.route_handlers):
            paths.add(route.path)
    return sorted(paths)


async def test_pages_with_ids_are_found_by_the_walk(app: Litestar) -> None:
    assert len(_page_paths(app)) >= 20  # the walk below reaches the record pages


@pytest.mark.parametrize("role", ["bureau", "supervisor1"])
async def test_a_page_for_an_id_no_row_has_answers_not_found(app: Litestar, role: str) -> None:
    answers = {}
    async with signed_in_browser(app, role) as browser:
        for path in _page_paths(app):
            for value in IDS_NO_ROW_HAS:
                url = _INT_PARAM.sub(value, path)
                answers[url] = (await browser.get(url, headers=HTML)).status_code
    assert {url: code for url, code in answers.items() if not 400 <= code < 500} == {}
