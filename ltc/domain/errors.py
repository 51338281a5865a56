"""Domain errors: each has a stable snake_case ``code`` and no HTTP status.

The web layer maps the *kind* of error (the class) to a status in one place
(``ltc.web.errors``); the code travels to the client unchanged.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain or a service raises on purpose."""

    code: str = "domain_error"
    title: str = "The request cannot be carried out"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.detail = detail or self.title
        self.errors = errors or []
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """The input is well-formed but breaks a rule (maps to 422)."""

    code = "invalid_input"
    title = "The input is not valid"


class NotFound(DomainError):
    """The record does not exist, or the caller may not know it exists (404)."""

    code = "not_found"
    title = "Not found"


class Forbidden(DomainError):
    """The caller's role may not do this (403)."""

    code = "forbidden"
    title = "Not allowed"


class Unauthenticated(DomainError):
    """No valid credentials (401)."""

    code = "unauthenticated"
    title = "Sign-in required"


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    code = "conflict"
    title = "Conflict with the current state"


class TooManyAttempts(DomainError):
    """Too many failed sign-ins for an account or a client address (429): wait
    ``retry_after`` seconds."""

    code = "too_many_attempts"
    title = "Too many failed sign-in attempts"

    def __init__(self, retry_after: int, detail: str | None = None, *, code: str = "too_many_attempts") -> None:
        super().__init__(detail or f"too many failed sign-ins; try again in {retry_after} seconds", code=code)
        self.retry_after = retry_after
