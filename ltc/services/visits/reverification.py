"""Verifying many persons' visits again, as a job: hospital stays or deaths imported for more
than a handful of persons. The persons are split into parts which any number of workers share
(``job_parts``); verifying a visit again is idempotent (an exception already open is not opened
again), so a part run twice changes nothing twice."""

from __future__ import annotations

from ltc.domain.access import Action
from ltc.services.context import ServiceContext
from ltc.services.job_parts import FanOut, even_slices
from ltc.services.jobs import Progress, register_conclusion, register_job_kind
from ltc.services.visits.values import PersonToReverify, ReverifyPersonsParams, ReverifyResult
from ltc.services.visits.verification import reverify_person


@register_job_kind("reverify_persons", action=Action.IMPORT_RECORDS, params=ReverifyPersonsParams)
async def reverify_persons(
    ctx: ServiceContext, params: ReverifyPersonsParams, progress: Progress
) -> ReverifyResult | FanOut:
    """The persons' checked-in visits verified again, in parts of the persons."""
    slices = even_slices(params.persons, ctx.settings.job_parts)
    if len(slices) <= 1:
        return await _reverify(ctx, params.persons, progress)
    return FanOut("reverify_persons_part", [ReverifyPersonsParams(persons=persons) for persons in slices])


@register_job_kind("reverify_persons_part", action=Action.IMPORT_RECORDS, params=ReverifyPersonsParams)
async def reverify_persons_part(
    ctx: ServiceContext, params: ReverifyPersonsParams, progress: Progress
) -> ReverifyResult:
    return await _reverify(ctx, params.persons, progress)


@register_conclusion("reverify_persons", part_result=ReverifyResult)
async def conclude_reverification(
    ctx: ServiceContext, params: ReverifyPersonsParams, parts: list[ReverifyResult], progress: Progress
) -> ReverifyResult:
    return ReverifyResult(
        persons=sum(p.persons for p in parts), visits_verified_again=sum(p.visits_verified_again for p in parts)
    )


async def _reverify(ctx: ServiceContext, persons: list[PersonToReverify], progress: Progress) -> ReverifyResult:
    verified = 0
    for done, person in enumerate(persons, start=1):
        verified += await reverify_person(ctx, person.person_id, person.since)
        await progress(done / len(persons))
    return ReverifyResult(persons=len(persons), visits_verified_again=verified)
