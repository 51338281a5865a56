"""Forms that keep what the user typed: a page's POST handler reads the raw values, checks
them with its pydantic model and, on a refusal of the model or of a rule, draws the same
form again with every value kept and each message beside its field.

    state = await read_form(request)
    form = state.parse(PersonForm)
    if form is None:
        return form_page("persons/new.html", state)
    try:
        ...
    except FORM_REFUSALS as exc:
        return form_page("persons/new.html", state.refused(exc))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar import MediaType, Request
from litestar.datastructures import UploadFile
from litestar.response import Template
from pydantic import BaseModel, ValidationError

from ltc.domain.errors import Conflict, DomainError, InvalidInput
from ltc.web import formatting
from ltc.web.errors import status_for
from ltc.web.i18n import gettext as _
from ltc.web.refusal_words import VALIDATION_MESSAGES

M = TypeVar("M", bound=BaseModel)

# The refusals a form answers in place; anything else (not found, not allowed) is an error page.
FORM_REFUSALS = (InvalidInput, Conflict)
CSRF_FIELD = "_csrf_token"


def error_message(error: DomainError) -> str:
    """A refusal in the page's language: the words for its code, else its kind's title."""
    return formatting.error_message(error.code, error.title)


def _validation_message(item: Mapping[str, Any]) -> str:
    words = VALIDATION_MESSAGES.get(str(item.get("type", "")))
    context = item.get("ctx") or {}
    if words is None:
        return _("This value is not valid.")
    try:
        return _(words).format(**context)
    except (KeyError, IndexError, ValueError):
        return _(words)


@dataclass
class FormState:
    """What a form shows: the values as typed, messages by field name, and messages about the
    form as a whole."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    status: int = 200

    @classmethod
    def of(cls, **values: Any) -> FormState:
        """A fresh form with values filled in (strings as the inputs show them)."""
        return cls(values={key: "" if value is None else value for key, value in values.items()})

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def values_of(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes, multi-selects)."""
        value = self.values.get(name, [])
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general)

    def parse(self, model: type[M]) -> M | None:
        """The model from the values, or None with the messages recorded beside their fields."""
        try:
            return model.model_validate(self.values)
        except ValidationError as exc:
            for item in exc.errors():
                location = item.get("loc") or ()
                name = str(location[0]) if location else ""
                message = _validation_message(item)
                if name and name in model.model_fields:
                    self.errors.setdefault(name, message)
                else:
                    self.general.append(message)
            self.status = 422
            return None

    def refused(self, error: DomainError) -> FormState:
        """The same form with a rule's refusal: beside the fields it names, else above the form."""
        message = error_message(error)
        named = False
        for item in error.errors:
            name = str(item.get("field", "")) if isinstance(item, Mapping) else ""
            if name and name in self.values:
                self.errors.setdefault(name, message)
                named = True
        if not named:
            self.general.append(message)
        self.status = status_for(error)
        return self

    def refuse(self, name: str, message: str, status: int = 422) -> FormState:
        """A message of the page's own beside one field."""
        self.errors[name] = message
        self.status = status
        return self


async def read_form(request: Request[Any, Any, Any]) -> FormState:
    """The posted values as typed (repeated names as lists; uploads left for the handler)."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        if key == CSRF_FIELD:
            continue
        items = [item for item in form.getall(key) if not isinstance(item, UploadFile)]
        if not items:
            continue
        values[key] = items if len(items) > 1 else items[0]
    return FormState(values=values)


def form_page(template: str, state: FormState, **context: Any) -> Template:
    """A form page drawn with its state (422/409 after a refusal, so clients can tell)."""
    return Template(
        template_name=template,
        context={"form": state, **context},
        status_code=state.status if state.has_errors else 200,
        media_type=MediaType.HTML,
    )
