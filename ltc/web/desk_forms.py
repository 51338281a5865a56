"""The desk's forms: a rule's refusals, each beside the field it names, in the page's language
with the rule's own figures (the hours' limit, the visits in the longest month)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from ltc.domain.errors import DomainError
from ltc.web.errors import status_for
from ltc.web.forms import FormState, error_message
from ltc.web.i18n import gettext as _
from ltc.web.refusal_words import AGENCY_ERROR_MESSAGES

if TYPE_CHECKING:
    from ltc.services.caregivers import CaregiverOut

M = TypeVar("M", bound=BaseModel)


def _message(item: Mapping[str, Any], fallback: DomainError) -> str:
    """A rule's refusal of one field in the page's language, with the rule's own figures."""
    words = AGENCY_ERROR_MESSAGES.get(str(item.get("code", "")))
    if words is None:
        return error_message(fallback)
    try:
        return _(words).format(**{k: v for k, v in item.items() if isinstance(v, int | str)})
    except (KeyError, IndexError, ValueError):
        return _(words)


# Refusals that name no field but concern one only.
FIELD_OF_CODE = {
    "position_outside_china": "lat",
    "coordinates_out_of_range": "lat",
    "day_in_future": "day",
    "reason_required": "reason",
    "confirmed_by_required": "confirmed_by",
}


def refused(state: FormState, error: DomainError, fields: Mapping[str, str] | None = None) -> FormState:
    """The form with each of a rule's refusals beside the field it names (``fields`` maps the
    service's field names to the form's), the rest above the form."""
    fields = fields or {}
    placed = False
    own = FIELD_OF_CODE.get(error.code)
    if own and not any(isinstance(i, Mapping) and "field" in i for i in error.errors):
        state.errors.setdefault(own, _message({"code": error.code}, error))
        placed = True
    for item in error.errors:
        if not isinstance(item, Mapping) or "field" not in item:
            continue
        name = fields.get(str(item["field"]), str(item["field"]))
        state.errors.setdefault(name, _message(item, error))
        placed = True
    if not placed:
        words = AGENCY_ERROR_MESSAGES.get(error.code)
        state.general.append(_(words) if words else error_message(error))
    state.status = status_for(error)
    return state


# The registry's optional fields: left empty, they are not given (and an edit keeps them).
_OPTIONAL_REGISTRY = ("id_number", "phone", "certificate_no", "certificate_expires_on", "work_start", "work_end")


def parse_registry(state: FormState, model: type[M]) -> M | None:
    """The caregiver form read by the registry's model: the working days a list (one box
    ticked sends one value; none ticked, the hidden marker says the list was shown), the
    optional fields left empty not given. Messages land on ``state``, the form shown again."""
    values = {k: v for k, v in state.values.items() if not (k in _OPTIONAL_REGISTRY and v == "")}
    if "working_days_shown" in values:
        values["working_days"] = state.values_of("working_days") if "working_days" in values else []
        del values["working_days_shown"]
    reading = FormState(values=values, errors=state.errors, general=state.general)
    data = reading.parse(model)
    state.status = reading.status
    return data


def caregiver_form(caregiver: CaregiverOut, **extra: Any) -> FormState:
    """The caregiver's record as the edit form shows it (the id number and phone are typed
    anew to change them, never shown in the inputs)."""
    return FormState.of(
        name=caregiver.name,
        qualification=caregiver.qualification,
        weekly_hours=caregiver.weekly_hours,
        lat=caregiver.lat,
        lon=caregiver.lon,
        certificate_no=caregiver.certificate_no,
        certificate_expires_on=caregiver.certificate_expires_on.isoformat() if caregiver.certificate_expires_on else "",
        working_days=[str(d) for d in caregiver.working_days],
        work_start=caregiver.work_start,
        work_end=caregiver.work_end,
        **({"reason": ""} | extra),
    )
