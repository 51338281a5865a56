"""The one place errors become responses: a problem+json body for the API and for non-HTML
clients, a Chinese (or English) error page for browsers, a redirect to login for a page 401."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Litestar, MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from pydantic import BaseModel, ConfigDict

from ltc.db.availability import UNAVAILABLE_TYPES, is_database_unavailable
from ltc.db.engine import is_unique_violation
from ltc.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from ltc.web.formatting import detail_adds_to_message, error_message
from ltc.web.i18n import gettext as _
from ltc.web.i18n import set_language
from ltc.web.language import language_from_cookie_header

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class MalformedBody(DomainError):
    """The body cannot be read at all: not UTF-8, nested absurdly deep (400)."""

    code = "malformed_body"
    title = "The request is malformed"


class UnsupportedMediaType(DomainError):
    """The body is not in the media type the endpoint reads (415)."""

    code = "unsupported_media_type"
    title = "Unsupported media type"


STATUS_BY_KIND: dict[type[DomainError], int] = {
    MalformedBody: 400,
    UnsupportedMediaType: 415,
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    Unauthenticated: 401,
    Conflict: 409,
    TooManyAttempts: 429,
}

# Codes and English titles for what the framework raises before our code runs.
HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("malformed_body", "The request is malformed"),
    401: ("unauthenticated", "Sign-in required"),
    403: ("forbidden", "Not allowed"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("conflict", "Conflict with the current state"),
    413: ("request_too_large", "The request is too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("validation_failed", "The input is not valid"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_error", "Something went wrong on our side"),
    503: ("service_unavailable", "The service is unavailable"),
}


class ProblemField(BaseModel):
    """One thing wrong with the input: ``field`` and ``message`` are always there (possibly
    empty); a rule may add what it is about (``id_number``, ``user_ids``, ``code`` …)."""

    model_config = ConfigDict(extra="allow")

    field: str
    message: str
    source: str = ""


class Problem(BaseModel):
    """Every error the API answers (RFC 9457 problem details): ``code`` is stable, ``detail``
    is for people."""

    status: int
    code: str
    title: str
    detail: str
    errors: list[ProblemField]


_PROBLEM_DESCRIPTIONS = {
    400: "The body could not be read: malformed_body, invalid_encoding, too_deeply_nested",
    401: "Not signed in, or the token has ended or expired: unauthenticated, invalid_token, token_expired",
    403: "The signed-in role may not do this: role_not_allowed",
    404: "No such record, or one the caller may not know of",
    409: "The request conflicts with the record's state (version_conflict, invalid_transition …)",
    422: "The input breaks a rule: validation_failed, nul_character, or the rule's own code",
    413: "The body is larger than the operation takes: request_too_large",
    415: "The body is not sent as application/json: unsupported_media_type",
}
# Only operations that read a body can answer 413 and 415.
_BODY_ONLY = frozenset({413, 415})
PROBLEM_RESPONSES = {
    status: ResponseSpec(data_container=Problem, description=text, media_type=PROBLEM_JSON, generate_examples=False)
    for status, text in _PROBLEM_DESCRIPTIONS.items()
}
# Only the sign-in answers 429: too many failures for the account or the client's address.
TOO_MANY_ATTEMPTS_RESPONSE = ResponseSpec(
    data_container=Problem,
    description="Too many failed sign-ins for the account or the address: too_many_attempts; wait Retry-After seconds",
    media_type=PROBLEM_JSON,
    generate_examples=False,
)


def document_problems(app: Litestar) -> None:
    """Every API operation lists the problem+json answers it can give, beside its own success
    (a handler's own ``responses`` win where they name the same status)."""
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/"):
            for handler in route.route_handlers:
                problems = {
                    status: spec
                    for status, spec in PROBLEM_RESPONSES.items()
                    if status not in _BODY_ONLY or handler.parsed_data_field is not None
                }
                handler.responses = {**problems, **(handler.responses or {})}


def status_for(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_KIND:
            return STATUS_BY_KIND[kind]
    return 400


def wants_html(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/schema", "/healthz")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _problem(
    request: Request, status: int, code: str, title: str, detail: str, errors: list[dict[str, Any]]
) -> Response:
    if status == 401 and wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?next={quote(target)}")
    if wants_html(request):
        # Unrouted paths never pass the language middleware; pick the language here too.
        set_language(language_from_cookie_header(request.headers.get("cookie", "")))
        return Template(
            template_name="errors/error.html",
            context={
                "status": status,
                "code": code,
                "title": _(title),
                "message": error_message(code, title),
                "detail": detail if detail_adds_to_message(detail) else "",
            },
            status_code=status,
            media_type=MediaType.HTML,
        )
    body = {"status": status, "code": code, "title": title, "detail": detail, "errors": _fields(errors)}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _fields(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item in the documented shape, whatever else the rule that raised it added."""
    return [{**item, "field": str(item.get("field", "")), "message": str(item.get("message", ""))} for item in errors]


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    response = _problem(request, status_for(exc), exc.code, exc.title, exc.detail, exc.errors)
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _validation_errors(extra: Any) -> list[dict[str, Any]]:
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            errors.append(
                {
                    "field": item.get("key", ""),
                    "message": str(item.get("message", "")),
                    "source": item.get("source", ""),
                }
            )
    return errors


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    errors = _validation_errors(exc.extra)
    if not errors:
        # The body could not be decoded at all (malformed JSON, wrong content type).
        return _problem(request, 400, "malformed_body", "The request is malformed", str(exc.detail), [])
    return _problem(request, 422, "validation_failed", "The input is not valid", str(exc.detail), errors)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    code, title = HTTP_CODES.get(status, ("http_error", "The request cannot be carried out"))
    detail = exc.detail if exc.detail and exc.detail != title else _(title)
    response = _problem(request, status, code, title, str(detail), _validation_errors(exc.extra))
    # What the framework says beside the status, e.g. the methods a 405's path allows.
    response.headers.update({name.title(): value for name, value in (exc.headers or {}).items()})
    return response


def undecodable_body_handler(request: Request, exc: UnicodeDecodeError) -> Response:
    # Only a client's bytes are decoded as they come (form fields of a multipart body).
    return _problem(request, 400, "invalid_encoding", "The request is malformed", "the body is not valid UTF-8", [])


def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    if is_unique_violation(exc):
        # Two requests saved the same record at the same moment and the database kept one:
        # the other is told to reload, as a stale version is (the services' checks ran first).
        log.warning("unique violation on %s %s: %s", request.method, request.url.path, exc)
        detail = "the same record was saved by another request at the same moment"
        return _problem(request, 409, "concurrent_change", HTTP_CODES[409][1], detail, [])
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    code, title = HTTP_CODES[HTTP_500_INTERNAL_SERVER_ERROR]
    return _problem(request, 500, code, title, title, [])


# How long a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 5


def database_unavailable_handler(request: Request, exc: Exception) -> Response:
    """The database stopped or unreachable: 503 with ``Retry-After``, not a 500; the pool
    reconnects by itself once it is back."""
    if not is_database_unavailable(exc):
        return unexpected_error_handler(request, exc)
    log.warning("database unavailable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    title = HTTP_CODES[503][1]
    detail = _("The database cannot be reached at the moment. Please try again in a few seconds.")
    response = _problem(request, 503, "database_unavailable", title, detail, [])
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


EXCEPTION_HANDLERS = {
    **dict.fromkeys(UNAVAILABLE_TYPES, database_unavailable_handler),
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    UnicodeDecodeError: undecodable_body_handler,
    Exception: unexpected_error_handler,
}
