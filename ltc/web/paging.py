"""Keyset paging on the web: the ``limit`` and ``after`` query parameters every list reads,
the ``Link: <…>; rel="next"`` header list APIs answer beside their JSON array, and the next
page's address for a page's pager."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request
from litestar.params import QueryParameter

from ltc.db.queries.paging import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT, Page, PageRequest, decode_cursor

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Rows per page (1–{MAX_LIMIT}, default {DEFAULT_LIMIT})")
]
After = Annotated[
    str | None,
    QueryParameter(
        max_length=MAX_CURSOR_LENGTH,
        description='The cursor of the next page, from the previous answer\'s `Link: <…>; rel="next"` header',
    ),
]


def page_request(limit: int, after: str | None, width: int) -> PageRequest:
    """The page asked for; a cursor that is not one of this list's answers 422 ``invalid_cursor``."""
    return PageRequest(limit=limit, after=decode_cursor(after, width) if after else None)


def url_with(request: Request, **changes: Any) -> str:
    """This request's address with some query parameters changed (None removes one)."""
    params = {key: value for key, value in request.query_params.items() if key not in changes}
    params.update({key: value for key, value in changes.items() if value is not None})
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def next_page_url(request: Request, page: Page[Any]) -> str | None:
    return url_with(request, after=page.next_after) if page.next_after else None


def link_header(request: Request, page: Page[Any]) -> dict[str, str]:
    """RFC 8288 ``Link`` to the next page, so list bodies stay plain JSON arrays."""
    target = next_page_url(request, page)
    return {"Link": f'<{target}>; rel="next"'} if target else {}
