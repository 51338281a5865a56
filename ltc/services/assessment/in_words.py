"""A submitted assessment read in words, as a reviewer reads it: the option chosen for each
item, the dimension scores with their levels, the level with its label in both languages, and
where it was recorded against where the person lives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ltc.db.queries import persons as queries
from ltc.domain.access import Actor
from ltc.domain.errors import NotFound
from ltc.domain.instruments import Answer
from ltc.geo.distance import distance_km
from ltc.services.assessment.assessments import get_assessment
from ltc.services.assessment.instruments import InstrumentDescription, describe_instrument
from ltc.services.assessment.values import AssessmentOut
from ltc.services.context import ServiceContext


class AnswerInWords(BaseModel):
    """One item of an instrument and the option chosen, in both languages."""

    item: str
    dimension: str
    label: str
    label_en: str
    value: Answer
    points: int | float | None
    option: str
    option_en: str


class DimensionInWords(BaseModel):
    key: str
    label: str
    label_en: str
    score: int | float
    level_label: str | None
    level_label_en: str | None


class AssessmentInWords(BaseModel):
    """A submitted assessment read in words: the answers chosen, the dimension scores, the
    level with its label, and where it was recorded against where the person lives."""

    assessment: AssessmentOut
    level_label_en: str | None
    instrument_name: str
    instrument_name_en: str
    answers: list[AnswerInWords]
    dimensions: list[DimensionInWords]
    started_at: datetime
    finished_at: datetime
    lat: float | None
    lon: float | None
    distance_from_home_m: int | None


def _answers_in_words(description: InstrumentDescription, answers: dict[str, Any]) -> list[AnswerInWords]:
    out = []
    for item in description.items:
        if item.key not in answers:
            continue
        value = answers[item.key]
        option = next((o for o in item.options if o.value == value), None)
        out.append(
            AnswerInWords(
                item=item.key,
                dimension=item.dimension,
                label=item.label,
                label_en=item.label_en,
                value=value,
                points=option.points if option else None,
                option=option.label if option else str(value),
                option_en=option.label_en if option else str(value),
            )
        )
    return out


def _dimensions_in_words(description: InstrumentDescription, assessment: AssessmentOut) -> list[DimensionInWords]:
    scores = assessment.dimensions or {}
    return [
        DimensionInWords(
            key=d.key,
            label=d.label,
            label_en=d.label_en,
            score=scores[d.key].score,
            level_label=scores[d.key].level_label,
            level_label_en=scores[d.key].level_label_en,
        )
        for d in description.dimensions
        if d.key in scores
    ]


def _metres_between(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> int | None:
    if a[0] is None or a[1] is None or b[0] is None or b[1] is None:
        return None
    return round(distance_km((a[0], a[1]), (b[0], b[1])) * 1000)


async def assessment_in_words(ctx: ServiceContext, actor: Actor, assessment_id: int) -> AssessmentInWords:
    """One submitted assessment as a reviewer reads it (404 where the reader may not see it)."""
    assessment = await get_assessment(ctx, actor, assessment_id)
    row = await queries.assessment_position(assessment_id)
    if row is None:  # removed since get_assessment read it: nothing is removed, but say so plainly
        raise NotFound("没有该评估", code="assessment_not_found")
    description = describe_instrument(ctx, assessment.instrument, assessment.instrument_version)
    result = row["result"] if isinstance(row["result"], dict) else {}
    return AssessmentInWords(
        assessment=assessment,
        level_label_en=result.get("level_label_en"),
        instrument_name=description.name,
        instrument_name_en=description.name_en,
        answers=_answers_in_words(description, assessment.answers or {}),
        dimensions=_dimensions_in_words(description, assessment),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        lat=row["lat"],
        lon=row["lon"],
        distance_from_home_m=_metres_between((row["lat"], row["lon"]), (row["home_lat"], row["home_lon"])),
    )
