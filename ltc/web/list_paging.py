"""Keyset paging over HTTP: the ``limit`` and ``after`` query parameters every list takes,
and the ``Link: <…>; rel="next"`` header of a list API's answer (its body stays the JSON
array of the page's rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.params import QueryParameter

from ltc.db.queries.lists import MAX_CURSOR_LENGTH, Page

T = TypeVar("T")

DEFAULT_LIMIT = 100  # an API's page
PAGE_LIMIT = 50  # a web page's
MAX_LIMIT = 500

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"rows a page (1–{MAX_LIMIT}, default {DEFAULT_LIMIT})")
]
After = Annotated[
    str | None,
    QueryParameter(
        max_length=MAX_CURSOR_LENGTH,
        description='the page after this cursor: the `after` of the previous answer\'s `Link: <…>; rel="next"`',
    ),
]
LINK = [
    ResponseHeader(
        name="Link",
        description='`<address of the next page>; rel="next"` when more rows follow',
        documentation_only=True,
        required=False,
    )
]


def next_page_url(request: Request[Any, Any, Any], after: str) -> str:
    """The address asked for, with ``after`` moved on to the next page (filters kept); a
    relative reference, right behind any proxy."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    return f"{request.url.path}?{urlencode([*params, ('after', after)])}"


def page_response(request: Request[Any, Any, Any], page: Page[T]) -> Response[list[T]]:
    """The page's rows as the body, and the next page's address in the ``Link`` header."""
    headers = {}
    if page.next_after is not None:
        headers["Link"] = f'<{next_page_url(request, page.next_after)}>; rel="next"'
    return Response(page.items, headers=headers)


@dataclass(frozen=True, slots=True)
class Pager:
    """What a page's pager links to: the next page (None: this is the last) and, past the
    first page, the first page (the same filters, no cursor)."""

    next_url: str | None
    first_url: str | None


def pager_of(request: Request[Any, Any, Any], page: Page[Any]) -> Pager:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    first = f"{request.url.path}?{urlencode(params)}" if "after" in request.query_params else None
    return Pager(
        next_url=next_page_url(request, page.next_after) if page.next_after is not None else None, first_url=first
    )
