"""What every request must be before any handler reads it: text without NUL characters
(PostgreSQL refuses them in text), a page's ids within the id columns' range, a JSON body in
UTF-8, not nested absurdly deep, sent as JSON to a JSON endpoint. Runs as the app's ``before_request`` hook, so after authentication and the
role guards (401, 403) and before the input is parsed (400, 415, 422)."""

from __future__ import annotations

import json
import re
from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg

from ltc.domain.errors import InvalidInput, NotFound
from ltc.services.inputs import MAX_ID
from ltc.web.errors import MalformedBody, UnsupportedMediaType

# No request body of the API is deeper than a handful of levels.
MAX_JSON_DEPTH = 32
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def nul_refused(where: str) -> InvalidInput:
    return InvalidInput(
        f"{where} contains a NUL character", code="nul_character", errors=[{"field": where, "message": "NUL"}]
    )


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects deeper than ``limit`` (strings skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif mark in (b"]", b"}"):
            depth -= 1
    return False


def has_nul(value: Any) -> bool:
    """Whether any string in a decoded JSON value (keys included) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


def check_json_body(body: bytes) -> None:
    """A JSON body's encoding, depth and text; what is not JSON at all is left to the parser."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedBody(f"the body is not valid UTF-8 (byte {error.start})", code="invalid_encoding") from None
    if json_too_deep(body):
        raise MalformedBody(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels", code="too_deeply_nested")
    if "\x00" in text:
        raise nul_refused("body")
    if "\\u0000" in text:
        try:
            decoded = json.loads(text)
        except ValueError:
            return
        if has_nul(decoded):
            raise nul_refused("body")


def is_json_media_type(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _body_encoding(request: Request) -> RequestEncodingType | str | None:
    field = request.route_handler.parsed_data_field
    if field is None:
        return None
    kwarg = field.kwarg_definition
    return kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON


def check_page_ids(path_params: dict[str, Any]) -> None:
    """A page for an id no row can have (out of the id columns' range) does not exist: said
    here once for every page, as the API's bounded ids say 422."""
    for value in path_params.values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound("no such record", code="not_found")


async def check_request(request: Request) -> None:
    """Refuse what no handler can take; returns nothing, so the handler runs as usual."""
    if b"%00" in request.scope.get("query_string", b"") or "\x00" in request.url.query:
        raise nul_refused("query")
    if "\x00" in request.scope.get("path", ""):
        raise nul_refused("path")
    if not request.scope.get("path", "").startswith("/api/"):
        check_page_ids(request.path_params)
    if request.method not in _BODY_METHODS:
        return
    encoding = _body_encoding(request)
    if encoding is None:
        return
    content_type = request.headers.get("content-type", "")
    if encoding == RequestEncodingType.JSON:
        body = await request.body()
        if not body:
            return
        if content_type and not is_json_media_type(content_type):
            raise UnsupportedMediaType(f"send the body as application/json, not {content_type}")
        check_json_body(body)
    elif encoding == RequestEncodingType.URL_ENCODED:
        body = await request.body()
        if b"%00" in body or b"\x00" in body:
            raise nul_refused("form")
