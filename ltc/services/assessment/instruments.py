"""The instruments as the API and the tablet show them: what is on file, one instrument's
items and dimensions, a dry-run score and the live preview while an assessor answers.

The scoring engine (``ltc.domain.instruments``) writes a dimension's level and points only
where a band gives them; these values leave such keys out the same way when they are absent."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from ltc.domain.instruments import Answer, Instrument, score, score_partial
from ltc.services.assessment.policy import policy_on
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.reference import instrument_catalog


class _Sparse(BaseModel):
    """A value whose optional keys are absent, not null, when the engine did not write them."""

    @model_serializer(mode="wrap")
    def _leave_out_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        written = self.model_fields_set
        fields = type(self).model_fields
        return {key: value for key, value in handler(self).items() if key in written or fields[key].is_required()}


class InstrumentSummary(BaseModel):
    code: str
    version: str
    name: str
    name_en: str


class BandInfo(_Sparse):
    min: int | float
    max: int | float
    level: str
    label: str
    label_en: str
    points: int | float | None = None


class DimensionInfo(BaseModel):
    key: str
    label: str
    label_en: str
    bands: list[BandInfo]


class OptionInfo(BaseModel):
    value: Answer
    points: int | float
    label: str
    label_en: str


class ItemInfo(BaseModel):
    key: str
    dimension: str
    label: str
    label_en: str
    options: list[OptionInfo]


class LevelInfo(BaseModel):
    level: int | str
    label: str
    label_en: str
    severe: bool


class InstrumentDescription(BaseModel):
    code: str
    version: str
    name: str
    name_en: str
    source: str
    dimensions: list[DimensionInfo]
    items: list[ItemInfo]
    levels: list[LevelInfo]


class DimensionScore(_Sparse):
    score: int | float
    level: str | None = None
    level_label: str | None = None
    level_label_en: str | None = None
    points: int | float | None = None


class ScoreOut(_Sparse):
    """A complete scoring, as stored with a submitted assessment."""

    code: str
    version: str
    dimensions: dict[str, DimensionScore]
    total: int | float | None = None
    level: int | str
    level_label: str
    level_label_en: str
    severe: bool


class DimensionPreview(DimensionScore):
    complete: bool


class ScorePreview(BaseModel):
    """What can be known while items are still unanswered; the level once all are."""

    code: str
    version: str
    answered: int
    complete: bool
    missing: list[str]
    dimensions: dict[str, DimensionPreview]
    level: int | str | None
    level_label: str | None
    level_label_en: str | None
    severe: bool | None


class ScoreRequest(Input):
    answers: dict[str, Answer] = Field(max_length=200)


def current_instruments(ctx: ServiceContext) -> list[InstrumentSummary]:
    return [
        InstrumentSummary(code=i.code, version=i.version, name=i.name, name_en=i.name_en)
        for i in instrument_catalog(ctx.settings).current()
    ]


def describe(instrument: Instrument) -> InstrumentDescription:
    return InstrumentDescription.model_validate(instrument.describe())


def describe_instrument(ctx: ServiceContext, code: str, version: str | None = None) -> InstrumentDescription:
    return describe(instrument_catalog(ctx.settings).get(code, version))


def dry_run_score(ctx: ServiceContext, code: str, request: ScoreRequest) -> ScoreOut:
    """Score answers with the current version of an instrument; nothing is stored."""
    return ScoreOut.model_validate(score(instrument_catalog(ctx.settings).get(code), request.answers).to_dict())


def preview(instrument: Instrument, answers: dict[str, Answer]) -> ScorePreview:
    return ScorePreview.model_validate(score_partial(instrument, answers))


def assessment_instrument(ctx: ServiceContext, applied_on: date) -> Instrument:
    """The on-site instrument (current version) of the policy in force on the application day."""
    return instrument_catalog(ctx.settings).get(policy_on(ctx, applied_on).assessment_instrument)
